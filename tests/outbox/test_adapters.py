"""Each provider adapter against a local server that checks the request as the provider
documents it — the signature recomputed here from the documentation, not by the adapter's
code — and answers success, a provider error, and nothing (a timeout)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote_plus

import pytest

from engage.outbox.adapters import AliyunSms, Envelope, TencentSms, WeChatSubscribe
from engage.outbox.worker import attempt

NOW = datetime(2030, 1, 1, 4, 0, tzinfo=UTC)
ENVELOPE = Envelope(
    id=1,
    channel="sms",
    kind="duty_event",
    address="13800000000",
    text="必到事件：楼道起火，请在 30 分钟内到场。",
    params=None,
    idempotency_key="notice:abc123",
    attempts=0,
    claimed_until=NOW,
)
TIMEOUT = 0.3


# --- Alibaba Cloud SMS: RPC signature (HMAC-SHA1 over the canonicalized query) -------------


def _aliyun_encode(value: str) -> str:
    """The documentation's encoding: URL-encode as Java's URLEncoder does (UTF-8, a space as
    "+"), then "+" → "%20", "*" → "%2A" and "%7E" → "~"."""
    return quote_plus(value, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def _aliyun_signature(form: dict[str, str], secret: str) -> str:
    canonical = "&".join(
        f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(form.items()) if k != "Signature"
    )
    string_to_sign = "POST&" + _aliyun_encode("/") + "&" + _aliyun_encode(canonical)
    return base64.b64encode(
        hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def aliyun_server(reply):
    """A SendSms endpoint that refuses a request not signed and shaped as documented."""

    def answer(seen):
        form = seen.form()
        expected = {
            "AccessKeyId": "LTAI-test",
            "Action": "SendSms",
            "Format": "JSON",
            "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "PhoneNumbers": "13800000000",
            "SignName": "红星街道",
            "TemplateCode": "SMS_468",
            "OutId": "notice:abc123",
        }
        if any(form.get(k) != v for k, v in expected.items()) or not form.get("SignatureNonce"):
            return 400, {"Code": "MissingParameter", "Message": json.dumps(form, ensure_ascii=False)}
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", form["Timestamp"]):
            return 400, {"Code": "InvalidTimeStamp.Format", "Message": form["Timestamp"]}
        if json.loads(form["TemplateParam"]) != {"text": ENVELOPE.text}:
            return 400, {"Code": "isv.INVALID_JSON_PARAM", "Message": form["TemplateParam"]}
        if form["Signature"] != _aliyun_signature(form, "secret-test"):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "signature"}
        return reply

    return answer


def aliyun(server) -> AliyunSms:
    return AliyunSms(
        key_id="LTAI-test",
        secret="secret-test",
        sign_name="红星街道",
        templates={"duty_event": "SMS_468", "default": "SMS_1"},
        endpoint=server.url + "/",
        timeout=TIMEOUT,
    )


def test_aliyun_sends_a_signed_request_and_reads_the_biz_id(provider):
    server = provider(aliyun_server((200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})))
    result = attempt(aliyun(server), ENVELOPE)
    assert (result.outcome, result.provider_id) == ("sent", "900619746936498440^0"), result.detail
    assert server.seen[0].headers["content-type"] == "application/x-www-form-urlencoded"


def test_aliyun_a_provider_error_is_reported(provider):
    server = provider(aliyun_server((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})))
    result = attempt(aliyun(server), ENVELOPE)
    assert result.outcome == "provider_error" and "isv.BUSINESS_LIMIT_CONTROL: 触发流控" in result.detail


def test_aliyun_a_wrong_secret_is_refused_by_the_checking_server(provider):
    server = provider(aliyun_server((200, {"Code": "OK", "BizId": "x"})))
    adapter = aliyun(server)
    adapter.secret = "not-the-secret"
    assert "SignatureDoesNotMatch" in attempt(adapter, ENVELOPE).detail


def test_aliyun_no_answer_is_a_timeout(provider):
    server = provider(lambda seen: None)
    assert attempt(aliyun(server), ENVELOPE).outcome == "timeout"


# --- Tencent Cloud SMS: TC3-HMAC-SHA256 -------------------------------------------------------

AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d\d-\d\d)/sms/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


def _tc3_signature(secret_key: str, date: str, timestamp: str, seen, signed: str) -> str:
    """Signature v3 as documented, step by step."""
    canonical_headers = "".join(
        f"{name}:{seen.headers[name].strip().lower()}\n" for name in signed.split(";")
    )
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed, hashlib.sha256(seen.body).hexdigest()]
    )
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    secret_date = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, b"sms", hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_server(reply):
    def answer(seen):
        def error(code, message):
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}}

        found = AUTHORIZATION.fullmatch(seen.headers.get("authorization", ""))
        if found is None:
            return error("AuthFailure.InvalidAuthorization", seen.headers.get("authorization", ""))
        timestamp = seen.headers["x-tc-timestamp"]
        if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != found["date"]:
            return error("AuthFailure.SignatureExpire", "date")
        if not {"content-type", "host"} <= set(found["signed"].split(";")):
            return error("AuthFailure.InvalidAuthorization", "signed headers")
        if found["signature"] != _tc3_signature("key-test", found["date"], timestamp, seen, found["signed"]):
            return error("AuthFailure.SignatureFailure", "signature")
        headers = {k: seen.headers.get(k) for k in ("x-tc-action", "x-tc-version", "x-tc-region")}
        if found["id"] != "AKID-test" or headers != {
            "x-tc-action": "SendSms",
            "x-tc-version": "2021-01-11",
            "x-tc-region": "ap-guangzhou",
        }:
            return error("InvalidParameter", json.dumps(headers))
        body = seen.json()
        if body != {
            "PhoneNumberSet": ["+8613800000000"],
            "SmsSdkAppId": "1400006666",
            "SignName": "红星街道",
            "TemplateId": "449739",
            "TemplateParamSet": [ENVELOPE.text],
            "SessionContext": "notice:abc123",
        }:
            return error("InvalidParameterValue", json.dumps(body, ensure_ascii=False))
        return reply

    return answer


def tencent(server) -> TencentSms:
    return TencentSms(
        secret_id="AKID-test",
        secret_key="key-test",
        sdk_app_id="1400006666",
        sign_name="红星街道",
        templates={"duty_event": "449739"},
        endpoint=server.url + "/",
        timeout=TIMEOUT,
    )


def _tencent_sent(code: str, message: str) -> tuple[int, dict]:
    status = {"SerialNo": "2645:1", "PhoneNumber": "+8613800000000", "Code": code, "Message": message}
    return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}}


def test_tencent_sends_a_tc3_signed_request_and_reads_the_serial_number(provider):
    server = provider(tencent_server(_tencent_sent("Ok", "send success")))
    result = attempt(tencent(server), ENVELOPE)
    assert (result.outcome, result.provider_id) == ("sent", "2645:1"), result.detail


@pytest.mark.parametrize(
    "reply",
    [
        _tencent_sent("LimitExceeded.PhoneNumberDailyLimit", "daily limit"),
        (200, {"Response": {"Error": {"Code": "FailedOperation.SignatureIncorrectOrUnapproved"}}}),
    ],
)
def test_tencent_a_provider_error_is_reported(provider, reply):
    server = provider(tencent_server(reply))
    result = attempt(tencent(server), ENVELOPE)
    assert result.outcome == "provider_error" and (
        "LimitExceeded" in result.detail or "Signature" in result.detail
    )


def test_tencent_a_wrong_key_is_refused_by_the_checking_server(provider):
    server = provider(tencent_server(_tencent_sent("Ok", "send success")))
    adapter = tencent(server)
    adapter.secret_key = "not-the-key"
    assert "AuthFailure.SignatureFailure" in attempt(adapter, ENVELOPE).detail


def test_tencent_no_answer_is_a_timeout(provider):
    assert attempt(tencent(provider(lambda seen: None)), ENVELOPE).outcome == "timeout"


# --- WeChat subscribe messages: stable access token, cached and refreshed ---------------------


class WeChat:
    """The two endpoints: tokens from ``stable_token``, messages only with the current token."""

    def __init__(self, reply=(200, {"errcode": 0, "errmsg": "ok", "msgid": 294402298110051942})):
        self.token, self.issued, self.reply = "TOKEN-1", 0, reply

    def answer(self, seen):
        if seen.path == "/cgi-bin/stable_token":
            if seen.json() != {
                "grant_type": "client_credential",
                "appid": "wx-app",
                "secret": "wx-secret",
                "force_refresh": False,
            }:
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}
            self.issued += 1
            return 200, {"access_token": self.token, "expires_in": 7200}
        assert seen.path == "/cgi-bin/message/subscribe/send"
        if seen.query.get("access_token") != self.token:
            return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        body = seen.json()
        if body != {
            "touser": "openid-1",
            "template_id": "TPL-duty",
            "data": {"thing1": {"value": ENVELOPE.text[:20]}},
            "miniprogram_state": "formal",
            "lang": "zh_CN",
        }:
            return 200, {"errcode": 47003, "errmsg": json.dumps(body, ensure_ascii=False)}
        return self.reply


def wechat(server, clock=lambda: 0.0) -> WeChatSubscribe:
    return WeChatSubscribe(
        app_id="wx-app",
        secret="wx-secret",
        templates={"duty_event": "TPL-duty"},
        base=server.url,
        timeout=TIMEOUT,
        clock=clock,
    )


WECHAT_ENVELOPE = replace(ENVELOPE, channel="wechat", address="openid-1")


def test_wechat_fetches_a_token_once_and_sends_with_it(provider):
    fake = WeChat()
    adapter = wechat(provider(fake.answer))
    first, second = attempt(adapter, WECHAT_ENVELOPE), attempt(adapter, WECHAT_ENVELOPE)
    assert (first.outcome, first.provider_id) == ("sent", "294402298110051942"), first.detail
    assert second.outcome == "sent" and fake.issued == 1


def test_wechat_an_invalidated_token_is_fetched_again_and_the_message_retried(provider):
    fake = WeChat()
    adapter = wechat(provider(fake.answer))
    attempt(adapter, WECHAT_ENVELOPE)
    fake.token = "TOKEN-2"  # refreshed elsewhere: the cached one is refused with 40001
    assert attempt(adapter, WECHAT_ENVELOPE).outcome == "sent"
    assert fake.issued == 2


def test_wechat_a_token_about_to_expire_is_fetched_again(provider):
    fake, now = WeChat(), [0.0]
    adapter = wechat(provider(fake.answer), clock=lambda: now[0])
    attempt(adapter, WECHAT_ENVELOPE)
    now[0] = 7200 - 60
    attempt(adapter, WECHAT_ENVELOPE)
    assert fake.issued == 2


def test_wechat_a_refusal_is_reported(provider):
    fake = WeChat(reply=(200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}))
    result = attempt(wechat(provider(fake.answer)), WECHAT_ENVELOPE)
    assert result.outcome == "provider_error" and "43101" in result.detail


def test_wechat_no_answer_is_a_timeout(provider):
    assert attempt(wechat(provider(lambda seen: None)), WECHAT_ENVELOPE).outcome == "timeout"
