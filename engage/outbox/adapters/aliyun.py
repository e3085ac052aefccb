"""Alibaba Cloud SMS ``SendSms`` (API version 2017-05-25), RPC style.

The signature, as Alibaba Cloud documents it for RPC APIs: every parameter but
``Signature``, sorted by name, each name and value percent-encoded (RFC 3986: only
``A-Z a-z 0-9 - _ . ~`` unencoded, a space as ``%20``) and joined as ``name=value`` with
``&``; the string to sign is ``POST&%2F&`` followed by that query, percent-encoded again;
the signature is Base64(HMAC-SHA1(AccessKeySecret + "&", string to sign)). The message's
idempotency key goes in ``OutId``, which the provider reports back with the delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from uuid import uuid4

from engage.outbox.adapters.base import Envelope, SendResult, compact_json, http_post, template_for
from points.base import utcnow

ENDPOINT = "https://dysmsapi.aliyuncs.com/"


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    def __init__(
        self,
        *,
        key_id: str,
        secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = ENDPOINT,
        region: str = "cn-hangzhou",
        timeout: float = 10,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.key_id, self.secret, self.sign_name = key_id, secret, sign_name
        self.templates, self.endpoint, self.region = templates, endpoint, region
        self.timeout, self.clock = timeout, clock

    def parameters(self, envelope: Envelope) -> dict[str, str]:
        """The request's parameters, signed."""
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": envelope.idempotency_key,
            "PhoneNumbers": envelope.address,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_for(self.templates, envelope.kind),
            "TemplateParam": compact_json(envelope.template_params),
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        return {**params, "Signature": signature(params, self.secret)}

    def send(self, envelope: Envelope) -> SendResult:
        body = urlencode(self.parameters(envelope), quote_via=quote).encode()
        status, answer = http_post(
            self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded"}, self.timeout
        )
        if status == 200 and answer.get("Code") == "OK":
            return SendResult("sent", provider_id=answer.get("BizId"))
        return SendResult("provider_error", f"HTTP {status} {answer.get('Code')}: {answer.get('Message')}")
