"""Staff reset the passwords of their community's accounts (street admins, their street's) to a
one-time password, shown once or sent by SMS; the account must choose a new one. Every password
change ends the account's other sessions and tokens."""

from __future__ import annotations

import re

from sqlalchemy import select

from engage.audit.models import AuthEvent
from engage.auth.models import User
from tests.factories import PASSWORD

PHONE = "13500000001"


def _reset(client, user, deliver="show"):
    return client.post(f"/users/{user.id}/password", data={"deliver": deliver})


def _temporary(response) -> str:
    return re.search(r'data-test="temporary-password">(\w+)<', response.get_data(as_text=True)).group(1)


def test_staff_reset_shows_a_one_time_password_and_the_user_must_choose_a_new_one(
    app, db, make, login, signed_in
):
    community = make.community()
    resident = make.user("resident", community=community)
    old_session = signed_in(resident)
    staff = login(make.user("staff", community=community))
    assert "重置密码" in staff.get("/users").get_data(as_text=True)
    shown = _reset(staff, resident)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    password = _temporary(shown)
    assert old_session.get("/profile").status_code == 302
    assert db.session.get(User, resident.id).must_change_password is True
    event = db.session.scalar(select(AuthEvent).where(AuthEvent.event == "password_reset_by_staff"))
    assert event.detail == f"user {resident.id}"

    own = app.test_client()
    assert own.post("/login", data={"username": resident.username, "password": password}).status_code == 302
    elsewhere = own.get("/orders/")
    assert elsewhere.status_code == 302 and elsewhere.location.endswith("/password/new")
    weak = own.post("/password/new", data={"new": "12345678", "confirm": "12345678"})
    assert weak.status_code == 200 and "这个密码太常见了" in weak.get_data(as_text=True)
    chosen = own.post("/password/new", data={"new": "mine-alone-42", "confirm": "mine-alone-42"})
    assert chosen.status_code == 302
    assert own.get("/profile").status_code == 200
    assert db.session.get(User, resident.id).must_change_password is False


def test_staff_reset_by_sms_shows_the_password_to_nobody(make, login, texts):
    community = make.community()
    volunteer = make.user("volunteer", community=community, phone=PHONE)
    staff = login(make.user("staff", community=community))
    sent = _reset(staff, volunteer, "sms")
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200 and 'data-test="temporary-password-sent"' in page
    [text] = texts(PHONE)
    password = re.search(r"临时密码是 (\w+)", text).group(1)
    assert password not in page


def test_staff_cannot_reset_outside_their_community_nor_a_colleague(db, make, login):
    community = make.community()
    outsider = make.user("resident")
    colleague = make.user("staff", community=community)
    staff = login(make.user("staff", community=community))
    assert _reset(staff, outsider).status_code == 404
    assert _reset(staff, colleague).status_code == 403
    assert db.session.get(User, outsider.id).must_change_password is False


def test_an_account_without_a_phone_gets_no_sms(make, login):
    community = make.community()
    resident = make.user("resident", community=community)
    staff = login(make.user("staff", community=community))
    assert _reset(staff, resident, "sms").status_code == 400
    assert _reset(staff, resident, "both").status_code == 400


def test_a_street_admin_resets_a_staff_members_password(make, login):
    community = make.community()
    colleague = make.user("staff", community=community)
    admin = login(make.user("admin", street_id=community.street_id))
    assert _reset(admin, colleague).status_code == 200


def test_a_reset_account_may_use_only_its_password_call_in_the_api(app, db, make, login, api):
    community = make.community()
    resident = make.user("resident", community=community)
    password = _temporary(_reset(login(make.user("staff", community=community)), resident))
    client = api.as_user(resident, password=password)
    assert client.get("/api/v1/me").json["must_change_password"] is True
    refused = client.get("/api/v1/orders")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    changed = client.post("/api/v1/me/password", json={"new": "mine-alone-42"})
    assert changed.status_code == 200 and changed.json == {"status": "changed"}
    assert client.get("/api/v1/orders").status_code == 200


def test_a_password_change_ends_every_other_session_and_token(app, make, signed_in, api):
    user = make.user("volunteer")
    other_browser = signed_in(user)
    old_token = api.as_user(user).headers
    mine = api.client.application.test_client()
    token = mine.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}).json[
        "token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    wrong = mine.post(
        "/api/v1/me/password", json={"current": "nope-nope", "new": "fresh-secret-1"}, headers=bearer
    )
    assert wrong.status_code == 400 and "current" in wrong.json["error"]["fields"]
    changed = mine.post(
        "/api/v1/me/password", json={"current": PASSWORD, "new": "fresh-secret-1"}, headers=bearer
    )
    assert changed.status_code == 200
    assert mine.get("/api/v1/me", headers=bearer).status_code == 200
    assert api.get("/api/v1/me", headers=old_token).status_code == 401
    assert other_browser.get("/profile").status_code == 302


def test_a_password_changed_on_the_page_logs_the_other_browser_out(make, login, signed_in, api):
    user = make.user("resident")
    other_browser = signed_in(user)
    old_token = api.as_user(user).headers
    browser = login(user)
    changed = browser.post(
        "/profile/password",
        data={"pw-current": PASSWORD, "pw-new": "fresh-secret-1", "pw-confirm": "fresh-secret-1"},
    )
    assert changed.status_code == 302
    assert browser.get("/profile").status_code == 200
    assert other_browser.get("/profile").status_code == 302
    assert api.get("/api/v1/me", headers=old_token).status_code == 401
