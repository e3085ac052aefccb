"""Registration, credentials and sessions through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.auth import services
from engage.auth.models import ROLES, AuthSession, User
from engage.auth.permissions import ROLE_RANK
from engage.errors import Conflict, Forbidden, Invalid, InvalidCredentials, NotFound


def _register(db, make, **overrides):
    micro_grid = overrides.pop("micro_grid", None) or make.micro_grid()
    values = {
        "phone": "13812345678",
        "password": "a-good-secret",
        "display_name": "张三",
        "role": "resident",
        "community_id": micro_grid.community_id,
        "micro_grid_id": micro_grid.id,
        **overrides,
    }
    return services.register_user(db.session, **values)


def test_register_normalises_phone_and_stores_hash(db, make):
    user = _register(db, make, phone="+86 138-1234-5678")
    assert user.username == user.phone == "13812345678"
    assert user.password_hash != "a-good-secret" and user.roles == ["resident"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "12345678901"),
        ("phone", "1381234567"),
        ("phone", "abc"),
        ("password", "short1"),
        ("password", "12345678"),
        ("password", "password123"),
        ("display_name", ""),
        ("display_name", "名" * 51),
        ("role", "admin"),
    ],
)
def test_register_refuses_bad_input_and_changes_nothing(db, make, field, value):
    micro_grid = make.micro_grid()
    before = db.session.scalar(select(func.count()).select_from(User))
    with pytest.raises(Invalid) as error:
        _register(db, make, micro_grid=micro_grid, **{field: value})
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_register_refuses_micro_grid_of_another_community(db, make):
    other = make.micro_grid()
    with pytest.raises(Invalid) as error:
        _register(db, make, micro_grid_id=other.id, community_id=make.community().id)
    assert "micro_grid_id" in error.value.fields


def test_duplicate_phone_is_a_conflict(db, make):
    _register(db, make)
    db.session.commit()
    with pytest.raises(Conflict):
        _register(db, make)


def test_authenticate(db, make):
    user = make.user("volunteer", phone="13912345678")
    assert services.authenticate(services.find_user(db.session, "13912345678"), "correct-horse-42") is user
    with pytest.raises(InvalidCredentials):
        services.authenticate(services.find_user(db.session, user.username), "wrong-password")
    with pytest.raises(InvalidCredentials):
        services.authenticate(services.find_user(db.session, "nobody"), "correct-horse-42")
    user.is_active = False
    with pytest.raises(InvalidCredentials):
        services.authenticate(services.find_user(db.session, user.username), "correct-horse-42")


def test_tokens_are_random_hashed_revocable_and_expire(db, make):
    user = make.user()
    token = services.open_session(db.session, user, kind="api", lifetime=timedelta(hours=1))
    db.session.commit()
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    stored = db.session.scalar(select(AuthSession.token_hash))
    assert token not in stored and len(stored) == 64
    assert services.resolve_session(db.session, token, kind="api") is user
    assert services.resolve_session(db.session, token, kind="web") is None
    services.revoke_session(db.session, token)
    assert services.resolve_session(db.session, token, kind="api") is None
    expired = services.open_session(db.session, user, kind="api", lifetime=timedelta(seconds=-1))
    assert services.resolve_session(db.session, expired, kind="api") is None


def test_disabling_ends_every_session(db, make):
    staff = make.user("staff")
    user = make.user("resident", community=staff.community)
    token = services.open_session(db.session, user, kind="web", lifetime=timedelta(hours=1))
    services.set_active(db.session, staff, user.id, False)
    assert services.resolve_session(db.session, token, kind="web") is None


def test_staff_cannot_disable_users_of_another_community(db, make):
    staff = make.user("staff")
    with pytest.raises(NotFound):
        services.set_active(db.session, staff, make.user("resident").id, False)
    with pytest.raises(Forbidden):
        services.set_active(db.session, make.user("volunteer"), staff.id, False)


def test_staff_cannot_disable_the_street_admin_of_their_community(db, make):
    staff = make.user("staff")
    admin = make.user("admin", "staff", community=staff.community, street_id=staff.community.street_id)
    with pytest.raises(Forbidden, match="角色高于您"):
        services.set_active(db.session, staff, admin.id, False)
    db.session.rollback()
    assert db.session.get(User, admin.id).is_active is True


def test_staff_manage_accounts_at_or_below_their_rank_admins_any_of_the_street(db, make):
    staff = make.user("staff")
    colleague = make.user("staff", community=staff.community)
    grid_worker = make.user("grid_worker", community=staff.community)
    admin = make.user("admin", street_id=staff.community.street_id)
    for user in (colleague, grid_worker):
        assert services.set_active(db.session, staff, user.id, False).is_active is False
    assert services.set_active(db.session, admin, colleague.id, True).is_active is True


def test_every_role_has_a_rank():
    assert set(ROLE_RANK) == set(ROLES)


def test_change_password_keeps_this_session_ends_the_others(db, make):
    user = make.user()
    mine = services.open_session(db.session, user, kind="web", lifetime=timedelta(hours=1))
    other = services.open_session(db.session, user, kind="api", lifetime=timedelta(hours=1))
    user.login_token = mine
    services.change_password(db.session, user, current="correct-horse-42", new="another-secret-7")
    assert services.resolve_session(db.session, mine, kind="web") is user
    assert services.resolve_session(db.session, other, kind="api") is None
    with pytest.raises(Invalid):
        services.change_password(db.session, user, current="wrong", new="another-secret-8")
