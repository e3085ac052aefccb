"""Accounts named by phone in a sheet (residents, volunteers): found, refused or planned.

The phone is the natural key and the login. A row may create an account of the target
community (without a password: the person is given one later) or update the name, the
micro-grid and the role of one already there; it never touches another community's
account or a staff member's (an import is no way to rename a colleague).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from engage.auth.models import User, UserRole
from engage.auth.services import create_account_without_password
from engage.errors import Invalid
from engage.imports.kinds import CREATED, UNCHANGED, UPDATED, Context, chunks

LISTED_ROLES = ("resident", "volunteer")


def accounts_by_phone(session: Session, phones: Iterable[str]) -> dict[str, User]:
    """Every account whose phone or username is one of ``phones``, keyed by that phone."""
    found: dict[str, User] = {}
    for part in chunks(set(phones)):
        for user in session.scalars(
            select(User)
            .where(or_(User.phone.in_(part), User.username.in_(part)))
            .options(selectinload(User.role_rows))
        ):
            for value in (user.phone, user.username):
                if value in part:
                    found.setdefault(value, user)
    return found


def check_account(user: User | None, phone: str, community_id: int) -> None:
    """Refuses a phone that belongs to an account this import may not change."""
    if user is None:
        return
    if user.phone != phone:
        raise Invalid.field("手机号", _("该号码已是另一账户的用户名。"))
    if user.community_id != community_id:
        raise Invalid.field("手机号", _("该手机号已是其他社区的账户。"))
    if set(user.roles) - set(LISTED_ROLES):
        raise Invalid.field("手机号", _("该手机号属于工作人员账户，不能通过导入修改。"))


@dataclass
class AccountPlan:
    """The outcome for the account of one row and how to write it; ``user`` is the account
    after ``write`` (a new one only then), for rows that hang things off it."""

    outcome: str
    write: Callable[[], User]


def plan_account(
    context: Context, user: User | None, *, phone: str, name: str, micro_grid_id: int | None, role: str
) -> AccountPlan:
    """Create the account, or bring name, micro-grid (when given) and role up to the row."""
    if user is None:
        return AccountPlan(
            CREATED,
            lambda: create_account_without_password(
                context.session,
                phone=phone,
                display_name=name,
                roles=[role],
                community_id=context.community_id,
                micro_grid_id=micro_grid_id,
            ),
        )
    micro_grid_id = micro_grid_id or user.micro_grid_id
    if user.display_name == name and user.micro_grid_id == micro_grid_id and user.has_role(role):
        return AccountPlan(UNCHANGED, lambda: user)

    def update() -> User:
        user.display_name, user.micro_grid_id = name, micro_grid_id
        if not user.has_role(role):
            user.role_rows.append(UserRole(role=role))
        return user

    return AccountPlan(UPDATED, update)
