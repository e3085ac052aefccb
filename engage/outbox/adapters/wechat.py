"""WeChat subscribe messages (订阅消息) through the mini-program / official-account API:
``POST /cgi-bin/message/subscribe/send?access_token=…`` with ``touser`` (the openid),
``template_id`` and ``data`` (``{"field": {"value": …}}``).

The access token comes from ``POST /cgi-bin/stable_token`` in its normal mode (repeated
calls within the token's life return the same token, so several worker processes do not
invalidate each other's), is kept until shortly before it expires, and is fetched again
when WeChat answers 40001 (invalid) or 42001 (expired); the message is then tried once more.
The API takes no idempotency key: the worker's lease is what keeps a message from being
sent twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

from engage.outbox.adapters.base import Envelope, SendResult, compact_json, http_post, template_for

API_BASE = "https://api.weixin.qq.com"
STALE_TOKEN_CODES = (40001, 42001)
TOKEN_MARGIN_SECONDS = 300
JSON_HEADERS = {"Content-Type": "application/json"}


class TokenUnavailable(Exception):
    """WeChat gave no access token; its error code and message say why."""


class WeChatSubscribe:
    def __init__(
        self,
        *,
        app_id: str,
        secret: str,
        templates: Mapping[str, str],
        text_field: str = "thing1",
        page: str = "",
        miniprogram_state: str = "formal",
        base: str = API_BASE,
        timeout: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app_id, self.secret, self.templates = app_id, secret, templates
        self.text_field, self.page, self.state = text_field, page, miniprogram_state
        self.base, self.timeout, self.clock = base.rstrip("/"), timeout, clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def access_token(self, *, stale: str | None = None) -> str:
        """The cached token, fetched when there is none, it is about to expire, or it is
        the ``stale`` one WeChat just refused."""
        with self._lock:
            if self._token is None or self._token == stale or self.clock() >= self._expires:
                body = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.secret}
                _status, answer = http_post(
                    f"{self.base}/cgi-bin/stable_token",
                    compact_json({**body, "force_refresh": False}).encode(),
                    JSON_HEADERS,
                    self.timeout,
                )
                if not answer.get("access_token"):
                    raise TokenUnavailable(f"{answer.get('errcode')}: {answer.get('errmsg')}")
                self._token = answer["access_token"]
                self._expires = self.clock() + int(answer.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS
            return self._token

    def body(self, envelope: Envelope) -> bytes:
        data = envelope.params or {self.text_field: envelope.text[:20]}
        message = {
            "touser": envelope.address,
            "template_id": template_for(self.templates, envelope.kind),
            "data": {name: {"value": value} for name, value in data.items()},
            "miniprogram_state": self.state,
            "lang": "zh_CN",
        }
        if self.page:
            message["page"] = self.page
        return compact_json(message).encode()

    def send(self, envelope: Envelope) -> SendResult:
        body, stale = self.body(envelope), None
        try:
            for _ in range(2):
                token = self.access_token(stale=stale)
                url = f"{self.base}/cgi-bin/message/subscribe/send?access_token={quote(token, safe='')}"
                status, answer = http_post(url, body, JSON_HEADERS, self.timeout)
                if answer.get("errcode") not in STALE_TOKEN_CODES:
                    break
                stale = token
        except TokenUnavailable as error:
            return SendResult("provider_error", f"access token: {error}")
        if status == 200 and answer.get("errcode") == 0:
            msgid = answer.get("msgid")
            return SendResult("sent", provider_id=None if msgid is None else str(msgid))
        return SendResult("provider_error", f"HTTP {status} {answer.get('errcode')}: {answer.get('errmsg')}")
