"""Tencent Cloud SMS ``SendSms`` (API version 2021-01-11), signed with TC3-HMAC-SHA256.

As Tencent Cloud's "Signature v3" documents it: the canonical request is ``POST``, ``/``,
an empty query, the canonical headers (``content-type``, ``host`` and ``x-tc-action``,
lower-case, each line ending in a newline), the signed header names and the hex SHA-256
of the body, joined by newlines; the string to sign is ``TC3-HMAC-SHA256``, the Unix
timestamp, the credential scope ``<UTC date>/sms/tc3_request`` and the hex SHA-256 of the
canonical request; the key is derived by HMAC-SHA256 chained over ``"TC3" + SecretKey``,
the date, the service and ``tc3_request``. The idempotency key goes in ``SessionContext``,
which the provider echoes back.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from engage.outbox.adapters.base import Envelope, SendResult, compact_json, http_post, template_for
from points.base import utcnow

ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE, VERSION, ACTION = "sms", "2021-01-11", "SendSms"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str) -> bytes:
    return _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")


class TencentSms:
    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = ENDPOINT,
        region: str = "ap-guangzhou",
        timeout: float = 10,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.secret_id, self.secret_key = secret_id, secret_key
        self.sdk_app_id, self.sign_name, self.templates = sdk_app_id, sign_name, templates
        self.endpoint, self.region, self.timeout, self.clock = endpoint, region, timeout, clock

    def body(self, envelope: Envelope) -> bytes:
        phone = envelope.address if envelope.address.startswith("+") else f"+86{envelope.address}"
        return compact_json(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": self.sign_name,
                "TemplateId": template_for(self.templates, envelope.kind),
                "TemplateParamSet": [str(value) for value in envelope.template_params.values()],
                "SessionContext": envelope.idempotency_key,
            }
        ).encode()

    def headers(self, body: bytes) -> dict[str, str]:
        host = urlsplit(self.endpoint).netloc
        timestamp = int(self.clock().timestamp())
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{ACTION.lower()}\n"
        canonical_request = "\n".join(
            ("POST", "/", "", canonical_headers, SIGNED_HEADERS, hashlib.sha256(body).hexdigest())
        )
        scope = f"{date}/{SERVICE}/tc3_request"
        to_sign = "\n".join(
            ("TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest())
        )
        signature = hmac.new(signing_key(self.secret_key, date), to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "Authorization": f"TC3-HMAC-SHA256 Credential={self.secret_id}/{scope}, "
            f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}",
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
        }

    def send(self, envelope: Envelope) -> SendResult:
        body = self.body(envelope)
        status, answer = http_post(self.endpoint, body, self.headers(body), self.timeout)
        response = answer.get("Response") or {}
        if error := response.get("Error"):
            return SendResult("provider_error", f"HTTP {status} {error.get('Code')}: {error.get('Message')}")
        sent = (response.get("SendStatusSet") or [{}])[0]
        if status == 200 and sent.get("Code") == "Ok":
            return SendResult("sent", provider_id=sent.get("SerialNo"))
        return SendResult("provider_error", f"HTTP {status} {sent.get('Code')}: {sent.get('Message')}")
