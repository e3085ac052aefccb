"""The development backend: each message appended as a JSON line ``{"to", "text", "at"}``
(with its kind and idempotency key) to a file, which is how the demo and the tests read
verification codes and alerts (docs/api.md, "Demo data")."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from engage.outbox.adapters.base import Envelope, SendResult
from points.base import utcnow


class FileBackend:
    def __init__(self, path: str, clock: Callable[[], datetime] = utcnow):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock

    def send(self, envelope: Envelope) -> SendResult:
        line = json.dumps(
            {
                "to": envelope.address,
                "text": envelope.text,
                "at": self.clock().isoformat(),
                "kind": envelope.kind,
                "key": envelope.idempotency_key,
            },
            ensure_ascii=False,
        )
        # One write of one line in append mode: lines of several workers never interleave.
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return SendResult("sent")
