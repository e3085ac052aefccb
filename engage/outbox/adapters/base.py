"""What every adapter takes and answers, and the one HTTP call they all make."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Envelope:
    """A claimed message as an adapter sees it: no database session, nothing lazy."""

    id: int
    channel: str
    kind: str
    address: str
    text: str
    params: dict | None
    idempotency_key: str
    attempts: int
    claimed_until: datetime

    @property
    def template_params(self) -> dict:
        """A provider template's parameters: the message's own, else its text as ``text``."""
        return self.params or {"text": self.text}


@dataclass(frozen=True)
class SendResult:
    """``sent`` (the provider took the message, ``provider_id`` is its id for it),
    ``provider_error`` or ``timeout``; ``detail`` is what the provider said."""

    outcome: str
    detail: str = ""
    provider_id: str | None = None


class Adapter(Protocol):
    def send(self, envelope: Envelope) -> SendResult: ...


class ProviderTimeout(Exception):
    """The provider did not answer in time: whether it sent the message is unknown."""


def template_for(templates: Mapping[str, str], kind: str) -> str:
    """The provider's template for a message kind, else the ``default`` one."""
    template = templates.get(kind) or templates.get("default")
    if not template:
        raise LookupError(f"no template configured for {kind!r} (nor a default)")
    return template


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, dict]:
    """POST and read a JSON answer, whatever the status; a provider that does not answer
    within ``timeout`` seconds raises ``ProviderTimeout``."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())
    except TimeoutError as error:
        raise ProviderTimeout(str(error) or "timed out") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise ProviderTimeout(str(error.reason) or "timed out") from None
        raise


def _json(raw: bytes) -> dict:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {"unparsed": raw[:200].decode(errors="replace")}
    return answer if isinstance(answer, dict) else {"unparsed": str(answer)[:200]}


def compact_json(value) -> str:
    """JSON as providers expect it in a parameter: no spaces, Chinese as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
