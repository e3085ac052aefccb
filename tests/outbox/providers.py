"""A local HTTP server standing in for a provider: each request is handed to ``answer``,
which checks it as the provider documents it and says what to reply (or to stall)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STALL_SECONDS = 1.0


@dataclass
class Seen:
    """One request as the provider received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {
            name: values[0] for name, values in parse_qs(self.body.decode(), keep_blank_values=True).items()
        }

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Provider:
    """``answer(seen)`` → ``(status, json)``, or ``None`` to stall past the client's timeout."""

    answer: Callable[[Seen], tuple[int, dict] | None]
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Provider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                split = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                seen = Seen(
                    split.path,
                    {name: values[0] for name, values in parse_qs(split.query).items()},
                    {name.lower(): value for name, value in self.headers.items()},
                    body,
                )
                provider.seen.append(seen)
                reply = provider.answer(seen)
                if reply is None:
                    time.sleep(STALL_SECONDS)
                    return
                status, payload = reply
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
