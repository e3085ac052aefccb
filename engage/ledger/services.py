"""The application's use of the points ledger: budgets, awards, statements.

Addresses name the accounts: a street issues points from ``street:<id>:issuance``
(the only account that may go negative: it is where points come from) into each
community's ``community:<id>:budget``; staff pay awards from their community's
budget into ``user:<id>``. These functions are the only place the addresses are spelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, String, cast, literal
from sqlalchemy.orm import Session

import points
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.auth.services import managed_user
from engage.community.models import Community
from engage.errors import Conflict, Forbidden, Invalid, NotFound
from engage.pagination import Page, clamped
from engage.scope import scope_of
from engage.validation import text, whole

MAX_AWARD = 100_000
MAX_ISSUE = 100_000_000
MEMO_MAX = 200
KINDS = ("issue", "award", "order_reward", "activity_reward", "redeem", "refund", "expire", "reversal")


class BudgetExhausted(Conflict):
    code = "budget_exhausted"


USER_PREFIX = "user:"


def user_account(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def user_account_of(user_id: ColumnElement[int]) -> ColumnElement[str]:
    """``user_account`` in SQL, to join users (or their ids) to their ledger accounts."""
    return literal(USER_PREFIX) + cast(user_id, String)


def budget_account(community_id: int) -> str:
    return f"community:{community_id}:budget"


def issuance_account(street_id: int) -> str:
    return f"street:{street_id}:issuance"


def issue_budget(
    session: Session,
    actor: User,
    community_id: int,
    amount: int,
    memo: str,
    *,
    idempotency_key: str | None = None,
) -> points.Transaction:
    """A street admin funds one of the street's communities."""
    require_role(actor, "admin")
    community = session.get(Community, community_id)
    if community is None or not scope_of(session, actor).in_street(community.street_id):
        raise NotFound()
    return points.transfer(
        session,
        issuance_account(community.street_id),
        budget_account(community.id),
        whole(amount, "amount", 1, MAX_ISSUE),
        kind="issue",
        memo=text(memo, "memo", MEMO_MAX),
        reference=f"community:{community.id}",
        actor_id=actor.id,
        idempotency_key=idempotency_key,
    )


def award_points(
    session: Session, actor: User, user_id: int, amount: int, memo: str, *, idempotency_key: str | None = None
) -> points.Transaction:
    """Staff reward an account they manage, paid from its community's budget; never
    themselves (nobody pays themselves from the budget they hold)."""
    member = managed_user(session, actor, user_id)
    if member.id == actor.id:
        raise Forbidden(str(_("不能给自己发放积分。")))
    try:
        return points.transfer(
            session,
            budget_account(member.community_id),
            user_account(member.id),
            whole(amount, "amount", 1, MAX_AWARD),
            kind="award",
            memo=text(memo, "memo", MEMO_MAX),
            reference=f"user:{member.id}",
            actor_id=actor.id,
            idempotency_key=idempotency_key,
        )
    except points.InsufficientPoints:
        raise BudgetExhausted(str(_("社区积分预算不足。"))) from None


@dataclass(frozen=True)
class Statement:
    """An account's balance and one page of its postings, newest first."""

    balance: points.Balance
    lines: Page


def _statement(
    session: Session, address: str, *, kinds: list[str] | None, page: int, per_page: int
) -> Statement:
    page = clamped(page)
    lines = points.statement(session, address, kinds=kinds, limit=per_page, offset=(page - 1) * per_page)
    total = points.statement_count(session, address, kinds=kinds)
    return Statement(points.balance(session, address), Page(lines, total, page, per_page))


def community_budget(
    session: Session, actor: User, community_id: int | None = None, *, page: int = 1, per_page: int = 50
) -> tuple[Community, Statement]:
    """A community's budget as its staff (or the street's admin) see it."""
    require_role(actor, *STAFF_ROLES)
    scope = scope_of(session, actor)
    community = session.get(Community, community_id or scope.community_id or 0)
    if community is None or not scope.administers(community.id):
        raise NotFound()
    return community, _statement(
        session, budget_account(community.id), kinds=None, page=page, per_page=per_page
    )


def my_statement(
    session: Session, user: User, *, kinds: list[str] | None = None, page: int = 1, per_page: int = 20
) -> Statement:
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise Invalid.field("kind", _("未知的积分类型。"))
    return _statement(session, user_account(user.id), kinds=kinds, page=page, per_page=per_page)


def points_balance(session: Session, user: User) -> int:
    return points.balance(session, user_account(user.id)).available
