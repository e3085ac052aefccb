"""Accounts: registration, authentication, sessions and tokens, disabling.

Sessions (web logins) and API tokens are rows of ``auth_sessions`` holding only a
SHA-256 of a 256-bit random token, so both can be revoked server-side.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from engage.auth.models import ROLES, AuthSession, User, UserRole
from engage.auth.passwords import check_policy, hash_password, unusable_password, verify_password
from engage.auth.permissions import STAFF_ROLES, rank, require_role
from engage.community.models import Community, MicroGrid
from engage.errors import Conflict, Forbidden, Invalid, InvalidCredentials
from engage.pagination import Page, paginate
from engage.persistence import add_unique
from engage.scope import scope_of
from engage.validation import phone as valid_phone
from engage.validation import text
from points.base import utcnow

USERNAME_MAX, DISPLAY_NAME_MAX = 64, 50
USERNAME_RE = re.compile(rf"^[A-Za-z0-9_.-]{{3,{USERNAME_MAX}}}$")
SELF_SERVICE_ROLES = ("resident", "volunteer")


def register_user(
    session: Session,
    *,
    phone: str,
    password: str,
    display_name: str,
    role: str,
    community_id: int,
    micro_grid_id: int | None,
) -> User:
    """Self-registration of a resident or volunteer; the phone number is the login."""
    if role not in SELF_SERVICE_ROLES:
        raise Invalid.field("role", _("只能注册为居民或志愿者。"))
    phone = valid_phone(phone, "phone")
    _check_home(session, community_id, micro_grid_id)
    return _add_user(
        session,
        username=phone,
        phone=phone,
        password=password,
        display_name=display_name,
        roles=[role],
        community_id=community_id,
        micro_grid_id=micro_grid_id,
    )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    roles: list[str],
    community_id: int | None = None,
    street_id: int | None = None,
    phone: str | None = None,
    property_company_id: int | None = None,
    district_id: int | None = None,
) -> User:
    """An operator creates any kind of account (CLI ``create-user``, demo data)."""
    if not USERNAME_RE.match(username or ""):
        raise Invalid.field("username", _("用户名为3到64位字母、数字或 _ . -。"))
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise Invalid.field("roles", _("未知角色：%(roles)s", roles=", ".join(sorted(unknown)) or "-"))
    if community_id is not None:
        _check_home(session, community_id, None)
    return _add_user(
        session,
        username=username,
        phone=valid_phone(phone, "phone") if phone else None,
        password=password,
        display_name=display_name,
        roles=roles,
        community_id=community_id,
        street_id=street_id,
        property_company_id=property_company_id,
        district_id=district_id,
    )


def create_account_without_password(
    session: Session,
    *,
    phone: str,
    display_name: str,
    roles: list[str],
    community_id: int,
    micro_grid_id: int | None,
) -> User:
    """An account made for someone on a list (an import): the phone is the login, and there is
    no password until they are given one, so nobody can sign in as them meanwhile. Only added:
    the caller checked phone and home and flushes a whole file at once."""
    user = User(
        username=phone,
        phone=phone,
        display_name=text(display_name, "display_name", DISPLAY_NAME_MAX),
        password_hash=unusable_password(),
        community_id=community_id,
        micro_grid_id=micro_grid_id,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    session.add(user)
    return user


def _check_home(session: Session, community_id: int, micro_grid_id: int | None) -> None:
    if session.get(Community, community_id) is None:
        raise Invalid.field("community_id", _("请选择所在社区。"))
    if micro_grid_id is not None:
        micro_grid = session.get(MicroGrid, micro_grid_id)
        if micro_grid is None or micro_grid.community_id != community_id:
            raise Invalid.field("micro_grid_id", _("所选微网格不属于该社区。"))


def _add_user(
    session: Session, *, username: str, password: str, display_name: str, roles: list[str], **fields
) -> User:
    display_name = text(display_name, "display_name", DISPLAY_NAME_MAX)
    check_policy(password)
    user = User(username=username, display_name=display_name, password_hash=hash_password(password), **fields)
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    return add_unique(session, user, Conflict(str(_("该手机号或用户名已注册。"))))


def find_user(session: Session, username: str) -> User | None:
    """The account with this username or phone. A name no account can have (longer than a
    username, or holding a NUL, which PostgreSQL refuses in a parameter) finds nobody at once."""
    username = (username or "").strip()
    if len(username) > USERNAME_MAX or "\x00" in username:
        return None
    return session.scalar(select(User).where((User.username == username) | (User.phone == username)))


def authenticate(user: User | None, password: str) -> User:
    """The user ``find_user`` found, if the password is theirs; else ``InvalidCredentials``
    (also when none was found or the account is disabled)."""
    if not verify_password(user.password_hash if user else None, password) or not user.is_active:
        raise InvalidCredentials(str(_("用户名或密码错误。")))
    user.last_login_at = utcnow()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session,
    user: User,
    *,
    kind: str,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new random token (256 bits) for a web login or an API client; returns it raw."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            user_id=user.id,
            kind=kind,
            token_hash=_digest(token),
            expires_at=utcnow() + lifetime,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.login_token = token
    return token


# Built once: every API request runs it. The token's validity is checked in the query,
# so only the user (with roles) is loaded, not the session row as well.
_SESSION_USER = (
    select(User)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.kind == bindparam("kind"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > bindparam("now"),
        User.is_active,
    )
    .options(joinedload(User.role_rows))
)


def resolve_session(session: Session, token: str | None, *, kind: str) -> User | None:
    """The active user behind a live, unrevoked token of this kind, else None."""
    if not token:
        return None
    user = (
        session.scalars(_SESSION_USER, {"token_hash": _digest(token), "kind": kind, "now": utcnow()})
        .unique()
        .first()
    )
    if user is not None:
        user.login_token = token
    return user


def revoke_session(session: Session, token: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _digest(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(session: Session, user: User, *, keep: str | None = None) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    if keep:
        stmt = stmt.where(AuthSession.token_hash != _digest(keep))
    session.execute(stmt.values(revoked_at=utcnow()))


def managed_user(session: Session, actor: User, user_id: int) -> User:
    """An account the actor may manage (disable, award points to).

    It must belong to one of the actor's communities (else ``NotFound``: its existence
    does not leak) and hold no role above the actor's (else ``Forbidden``), so that
    staff cannot disable or pay the street admin.
    """
    require_role(actor, *STAFF_ROLES)
    user = scope_of(session, actor).managed(session, User, user_id)
    if rank(user) > rank(actor):
        raise Forbidden(str(_("您不能管理角色高于您的账号。")))
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Staff and admins disable accounts they manage; every session ends at once."""
    return set_user_active(session, managed_user(session, actor, user_id), active)


def set_user_active(session: Session, user: User, active: bool) -> User:
    """Disabling ends every session and token at once."""
    user.is_active = active
    if not active:
        revoke_all_sessions(session, user)
    return user


def set_password(session: Session, user: User, password: str, *, must_change: bool = False) -> None:
    """The one way a password changes: every session and API token of the account ends but
    the one making the change (the user's own, when they change it themselves), so whoever
    knew the old password, or had a session open with it, is out at once."""
    check_policy(password)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    revoke_all_sessions(session, user, keep=user.login_token)


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise Invalid.field("current", _("当前密码不正确。"))
    set_password(session, user, new)


def choose_new_password(session: Session, user: User, *, new: str) -> None:
    """The new password an account whose password staff reset must choose at its next sign-in;
    it signed in with the one-time password (or an SMS code) just now, so it is not asked again."""
    if not user.must_change_password:
        raise Forbidden()
    set_password(session, user, new)


def update_profile(session: Session, user: User, *, display_name: str, locale: str | None) -> User:
    display_name = text(display_name, "display_name", DISPLAY_NAME_MAX)
    user.display_name = display_name
    user.locale = locale or None
    return user


def users_in_scope(
    session: Session, actor: User, *, query: str = "", page: int = 1, per_page: int = 50
) -> Page:
    """The accounts of the actor's communities, optionally searched by name or phone."""
    require_role(actor, "staff", "admin")
    stmt = select(User).where(scope_of(session, actor).administered(User.community_id))
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(User.display_name.like(like) | User.phone.like(like) | User.username.like(like))
    return paginate(session, stmt.order_by(User.id), page=page, per_page=per_page)
