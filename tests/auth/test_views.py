"""Login, logout, registration and profile pages, as a browser would use them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AuthEvent
from engage.auth.models import User
from tests.factories import csrf_token


def test_register_page_creates_resident_and_logs_in(client, db, make):
    micro_grid = make.micro_grid()
    response = client.post(
        "/register",
        data={
            "phone": "13811112222",
            "display_name": "王小明",
            "role": "volunteer",
            "community_id": micro_grid.community_id,
            "micro_grid_id": micro_grid.id,
            "password": "a-good-secret",
            "confirm": "a-good-secret",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == "13811112222"))
    assert user.roles == ["volunteer"] and user.micro_grid_id == micro_grid.id
    assert "王小明" in client.get("/").get_data(as_text=True)


def test_register_page_shows_field_errors_in_chinese(client, db, make):
    micro_grid = make.micro_grid()
    response = client.post(
        "/register",
        data={
            "phone": "123",
            "display_name": "王",
            "role": "resident",
            "community_id": micro_grid.community_id,
            "micro_grid_id": 0,
            "password": "12345678",
            "confirm": "12345678",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "请输入正确的11位手机号码" in text
    assert db.session.scalar(select(User)) is None


def test_login_logout_and_the_cookie_is_dead_afterwards(client, make, login):
    login(make.user("resident"))
    cookie = client.get_cookie("session", domain="engage.test")
    assert client.get("/profile").status_code == 200
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", cookie.value, domain="engage.test")  # replay the old, validly signed cookie
    assert client.get("/profile").status_code == 302


def test_wrong_password_message_and_audit_row(client, db, make):
    user = make.user("resident")
    response = client.post("/login", data={"username": user.username, "password": "nope-nope"})
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(AuthEvent.event).where(AuthEvent.username == user.username))
        == "login_failed"
    )


def test_login_is_rate_limited_per_account(client, make):
    user = make.user("resident")
    statuses = [
        client.post("/login", data={"username": user.username, "password": "bad-bad-bad"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    right = client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    assert right.status_code == 429


NASTY_NEXT = [
    "//evil.example/x",
    "/%09/evil.example",
    "/%0a/evil.example",
    "%0a",
    "/%0d%0aSet-Cookie:x=1",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "%09//evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/%00",
    "/%7F/x",
]


@pytest.mark.parametrize("target", NASTY_NEXT)
def test_next_parameter_cannot_leave_the_site(client, make, target):
    user = make.user("resident")
    response = client.post(
        f"/login?next={target}", data={"username": user.username, "password": "correct-horse-42"}
    )
    assert (
        response.status_code == 400
        if "%00" in target
        else (response.status_code == 302 and response.headers["Location"] == "/")
    )


def test_next_parameter_keeps_a_local_path(client, make):
    user = make.user("resident")
    response = client.post(
        "/login?next=/orders/new%3Fa%3D1", data={"username": user.username, "password": "correct-horse-42"}
    )
    assert response.headers["Location"] == "/orders/new?a=1"


def test_csrf_is_required_on_forms(make_app, make):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make.user("resident")
    refused = client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    assert refused.status_code == 400
    token = csrf_token(client, "/login")
    accepted = client.post(
        "/login", data={"csrf_token": token, "username": user.username, "password": "correct-horse-42"}
    )
    assert accepted.status_code == 302


def test_language_switch_and_no_chinese_ui_in_english(client, make, login):
    login(make.user("resident"))
    client.post("/language", data={"lang": "en", "next": "/profile"})
    text = client.get("/profile").get_data(as_text=True)
    assert "Profile" in text and "个人资料" not in text
    client.post("/language", data={"lang": "zh_CN"})
    assert "个人资料" in client.get("/profile").get_data(as_text=True)


def test_profile_update_and_password_change(client, db, make, login):
    user = make.user("volunteer")
    login(user)
    client.post("/profile", data={"display_name": "新名字", "locale": "en"})
    assert db.session.get(User, user.id).display_name == "新名字"
    bad = client.post(
        "/profile/password",
        data={"pw-current": "wrong", "pw-new": "x-long-enough", "pw-confirm": "x-long-enough"},
    )
    assert bad.status_code == 400
    good = client.post(
        "/profile/password",
        data={"pw-current": "correct-horse-42", "pw-new": "x-long-enough", "pw-confirm": "x-long-enough"},
    )
    assert good.status_code == 302


@pytest.mark.parametrize(
    "username, marker",
    [
        ("admin", 'data-test="section-admin"'),
        ("staff", 'data-test="section-staff"'),
        ("gridworker", 'data-test="section-grid_worker"'),
        ("volunteer1", 'data-test="section-volunteer"'),
        ("volunteer2", 'data-test="section-volunteer"'),
        ("resident1", 'data-test="section-resident"'),
        ("resident2", 'data-test="section-resident"'),
        ("property1", 'data-test="section-property_manager"'),
        ("kiosk1", 'data-test="kiosk-attract"'),
    ],
)
def test_each_demo_account_gets_its_home_page(app, client, db, username, marker):
    app.test_cli_runner().invoke(args=["engage", "demo"])
    response = client.post("/login", data={"username": username, "password": "engage-demo"})
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert marker in page


def test_staff_disables_a_user_and_their_session_ends(app, db, make, login):
    staff = make.user("staff")
    victim = make.user("resident", community=staff.community)
    victim_client = app.test_client()
    victim_client.post("/login", data={"username": victim.username, "password": "correct-horse-42"})
    assert victim_client.get("/profile").status_code == 200
    client = login(staff)
    page = client.get("/users").get_data(as_text=True)
    assert f'data-test="user-{victim.username}"' in page
    assert client.post(f"/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    assert victim_client.get("/profile").status_code == 302
    assert db.session.get(User, victim.id).is_active is False


def test_staff_cannot_disable_another_communitys_user(client, db, make, login):
    login(make.user("staff"))
    outsider = make.user("resident")
    assert client.post(f"/users/{outsider.id}/active", data={"active": "0"}).status_code == 404
    assert db.session.get(User, outsider.id).is_active is True


def test_staff_disabling_the_street_admin_gets_403_and_changes_nothing(client, db, make, login):
    staff = make.user("staff")
    admin = make.user("admin", "staff", community=staff.community, street_id=staff.community.street_id)
    resident = make.user("resident", community=staff.community)
    login(staff)
    page = client.get("/users").get_data(as_text=True)
    assert f'action="/users/{resident.id}/active"' in page
    assert f'action="/users/{admin.id}/active"' not in page
    response = client.post(f"/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 403 and "角色高于您" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).is_active is True


@pytest.mark.parametrize("value", ["", "2", "false", "off", "0 "])
def test_an_active_value_other_than_0_or_1_is_refused(client, db, make, login, value):
    staff = make.user("staff")
    victim = make.user("resident", community=staff.community)
    login(staff)
    response = client.post(f"/users/{victim.id}/active", data={"active": value})
    assert response.status_code == 400 and "账号状态只能是启用或停用" in response.get_data(as_text=True)
    assert db.session.get(User, victim.id).is_active is True


def test_admin_reads_audit_pages_and_forbidden_is_logged(client, db, make, login):
    street = make.street()
    community = make.community(street)
    resident = make.user("resident", community=community, username="probing-resident")
    login(resident)
    assert client.get("/community/grids/").status_code == 403
    assert db.session.scalar(select(AuthEvent).where(AuthEvent.event == "forbidden")).user_id == resident.id
    client.post("/logout")
    login(make.user("admin", street_id=street.id, community=community))
    page = client.get("/audit/").get_data(as_text=True)
    assert "forbidden" in page and "probing-resident" in page and 'data-test="access-log"' in page


def test_an_admin_sees_only_the_audit_records_of_their_own_street(client, db, make, login):
    elsewhere = make.community()
    login(make.user("resident", community=elsewhere, username="elsewhere-resident"))
    assert client.get("/community/grids/").status_code == 403
    client.post("/logout")
    street = make.street()
    login(make.user("admin", street_id=street.id, community=make.community(street)))
    page = client.get("/audit/").get_data(as_text=True)
    assert "elsewhere-resident" not in page and "forbidden" not in page
