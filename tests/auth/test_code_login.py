"""Signing in and resetting a password by SMS code, end to end: through the pages and the API,
the code read from the SMS outbox file after a worker run."""

from __future__ import annotations

from sqlalchemy import select

from engage.audit.models import AuthEvent
from engage.verification.models import SmsCode
from tests.factories import PASSWORD

PHONE = "13600000001"
SENT = "如该手机号已注册，验证码已发出"


def _at(address: str) -> dict:
    """A request from another client address (each may ask for one code a minute)."""
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_the_login_page_links_both_ways_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/login/sms" in page and "/password/forgot" in page


def test_sms_login_through_the_pages(client, make, sms_code):
    resident = make.user("resident", phone=PHONE)
    sent = client.post("/login/sms", data={"phone": PHONE, "send": "1"})
    assert sent.status_code == 200 and SENT in sent.get_data(as_text=True)
    assert 'name="code"' in sent.get_data(as_text=True)
    signed_in = client.post("/login/sms", data={"phone": PHONE, "code": sms_code(PHONE), "submit": "1"})
    assert signed_in.status_code == 302
    assert resident.display_name in client.get("/").get_data(as_text=True)


def test_a_wrong_code_is_refused_and_its_try_stays_counted(client, db, make, sms_code):
    make.user("volunteer", phone=PHONE)
    client.post("/login/sms", data={"phone": PHONE, "send": "1"})
    code = sms_code(PHONE)
    wrong = client.post(
        "/login/sms", data={"phone": PHONE, "code": "000000" if code != "000000" else "111111", "submit": "1"}
    )
    assert wrong.status_code == 400 and "验证码错误或已失效" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(SmsCode.attempts)) == 1
    assert db.session.scalar(select(AuthEvent.event).where(AuthEvent.username == PHONE)) == "login_sms_failed"
    assert client.get("/profile").status_code == 302
    assert client.post("/login/sms", data={"phone": PHONE, "code": code, "submit": "1"}).status_code == 302


def test_no_code_typed_spends_no_try(client, db, make, sms_code):
    make.user("resident", phone=PHONE)
    client.post("/login/sms", data={"phone": PHONE, "send": "1"})
    response = client.post("/login/sms", data={"phone": PHONE, "code": "", "submit": "1"})
    assert response.status_code == 400 and "请输入短信验证码" in response.get_data(as_text=True)
    assert db.session.scalar(select(SmsCode.attempts)) == 0


def test_the_answer_is_the_same_without_an_account_and_no_sms_goes(client, make, texts):
    staff = make.user("staff", phone="13600000002")
    answers = [
        client.post("/login/sms", data={"phone": phone, "send": "1"}, **_at(address))
        for phone, address in ((PHONE, "10.0.0.1"), (staff.phone, "10.0.0.2"))
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert all(SENT in answer.get_data(as_text=True) for answer in answers)
    assert texts(PHONE) == [] and texts(staff.phone) == []


def test_a_second_code_within_a_minute_is_refused_in_chinese(client, make):
    make.user("resident", phone=PHONE)
    assert client.post("/login/sms", data={"phone": PHONE, "send": "1"}).status_code == 200
    again = client.post("/login/sms", data={"phone": PHONE, "send": "1"}, **_at("10.0.0.9"))
    assert again.status_code == 429 and "获取验证码太频繁" in again.get_data(as_text=True)


def test_a_bad_phone_is_named(client):
    response = client.post("/login/sms", data={"phone": "12345", "send": "1"})
    assert response.status_code == 400 and "请输入正确的11位手机号码" in response.get_data(as_text=True)


def test_sms_login_through_the_api(client, make, sms_code):
    resident = make.user("resident", phone=PHONE)
    asked = client.post("/api/v1/auth/sms-codes", json={"phone": PHONE, "purpose": "login"})
    assert asked.status_code == 202 and asked.json == {"status": "accepted"}
    code = sms_code(PHONE)
    token = client.post("/api/v1/auth/token", json={"phone": PHONE, "sms_code": code})
    assert token.status_code == 200 and token.json["user"]["id"] == resident.id
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.status_code == 200 and me.json["id"] == resident.id
    reused = client.post("/api/v1/auth/token", json={"phone": PHONE, "sms_code": code})
    assert reused.status_code == 401 and reused.json["error"]["code"] == "invalid_credentials"


def test_the_api_answers_alike_without_an_account_and_limits_per_address(client, texts):
    first = client.post("/api/v1/auth/sms-codes", json={"phone": PHONE})
    assert first.status_code == 202 and texts(PHONE) == []
    second = client.post("/api/v1/auth/sms-codes", json={"phone": "13600000003"})
    assert second.status_code == 429 and second.json["error"]["code"] == "rate_limited"
    bad = client.post("/api/v1/auth/sms-codes", json={"phone": PHONE, "purpose": "intake"}, **_at("10.0.0.3"))
    assert bad.status_code == 400 and "purpose" in bad.json["error"]["fields"]


def test_password_reset_through_the_pages_ends_every_session(app, client, db, make, signed_in, sms_code):
    resident = make.user("resident", phone=PHONE)
    other_browser = signed_in(resident)
    token = client.post("/api/v1/auth/token", json={"username": resident.username, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json['token']}"}
    page = client.post("/password/forgot", data={"phone": PHONE, "send": "1"})
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    done = client.post(
        "/password/forgot",
        data={
            "phone": PHONE,
            "code": sms_code(PHONE),
            "password": "brand-new-secret",
            "confirm": "brand-new-secret",
            "submit": "1",
        },
    )
    assert done.status_code == 302 and done.location.endswith("/login")
    assert other_browser.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.post("/login", data={"username": PHONE, "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": PHONE, "password": "brand-new-secret"}).status_code == 302


def test_a_refused_password_leaves_the_code_good(client, make, sms_code):
    make.user("volunteer", phone=PHONE)
    client.post("/api/v1/auth/sms-codes", json={"phone": PHONE, "purpose": "reset"})
    code = sms_code(PHONE)
    weak = client.post(
        "/api/v1/auth/password-reset", json={"phone": PHONE, "sms_code": code, "password": "12345678"}
    )
    assert weak.status_code == 400 and "password" in weak.json["error"]["fields"]
    good = client.post(
        "/api/v1/auth/password-reset", json={"phone": PHONE, "sms_code": code, "password": "brand-new-secret"}
    )
    assert good.status_code == 200 and good.json == {"status": "reset"}
    again = client.post(
        "/api/v1/auth/password-reset", json={"phone": PHONE, "sms_code": code, "password": "another-secret"}
    )
    assert again.status_code == 400 and "sms_code" in again.json["error"]["fields"]
    assert client.post("/login", data={"username": PHONE, "password": "brand-new-secret"}).status_code == 302


def test_a_login_code_does_not_reset_the_password(client, make, sms_code):
    make.user("resident", phone=PHONE)
    client.post("/api/v1/auth/sms-codes", json={"phone": PHONE, "purpose": "login"})
    refused = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": PHONE, "sms_code": sms_code(PHONE), "password": "brand-new-secret"},
    )
    assert refused.status_code == 400
