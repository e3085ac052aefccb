"""Volunteer leaderboards: points earned and service hours, per community or street, for a
month, quarter, year or all time. Earned points are the net of the earning kinds (awards,
order and activity rewards, and corrections of those); spending does not lower a rank.
Ties: more hours (for points) or more points (for hours), then the earlier registration."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.orm import Session

from engage.activities.models import Activity, Enrollment
from engage.auth.models import User, UserRole
from engage.community.models import Community
from engage.community.services import street_of
from engage.errors import Forbidden
from engage.periods import Period
from points.models import Account, Posting, Transaction

EARNING_KINDS = ("award", "order_reward", "activity_reward")


@dataclass(frozen=True)
class Row:
    rank: int
    user: User
    points: int
    minutes: int


def _members(session: Session, actor: User, scope: str):
    if scope == "street":
        communities = select(Community.id).where(Community.street_id == street_of(session, actor))
        return select(User.id).join(UserRole).where(UserRole.role == "volunteer", User.community_id.in_(communities))
    if scope == "community" and actor.community_id is not None:
        return select(User.id).join(UserRole).where(UserRole.role == "volunteer",
                                                    User.community_id == actor.community_id)
    raise Forbidden()


def leaderboard(session: Session, actor: User, *, period: Period | None, by: str = "points", scope: str = "community",
                limit: int = 50) -> list[Row]:
    members = _members(session, actor, scope).subquery()
    earned = (select(Account.address.label("address"), func.sum(Posting.amount).label("points"))
              .join(Posting, Posting.account_id == Account.id).join(Transaction, Transaction.id == Posting.transaction_id)
              .where(Transaction.kind.in_(EARNING_KINDS)))
    served = (select(Enrollment.volunteer_id.label("user_id"), func.sum(Enrollment.minutes).label("minutes"))
              .join(Enrollment.activity).where(Enrollment.minutes > 0))
    if period is not None:
        earned = earned.where(Transaction.created_at >= period.start, Transaction.created_at < period.end)
        served = served.where(Activity.starts_at >= period.start, Activity.starts_at < period.end)
    earned, served = earned.group_by(Account.address).subquery(), served.group_by(Enrollment.volunteer_id).subquery()
    points, minutes = func.coalesce(earned.c.points, 0), func.coalesce(served.c.minutes, 0)
    order = (points.desc(), minutes.desc()) if by == "points" else (minutes.desc(), points.desc())
    stmt = (select(User, points, minutes).join(members, members.c.id == User.id)
            .outerjoin(earned, earned.c.address == literal("user:") + cast(User.id, String))
            .outerjoin(served, served.c.user_id == User.id)
            .where((points > 0) | (minutes > 0)).order_by(*order, User.id).limit(limit))
    return [Row(rank, user, int(p), int(m)) for rank, (user, p, m) in enumerate(session.execute(stmt), start=1)]


def my_rank(session: Session, actor: User, *, period: Period | None, by: str = "points") -> Row | None:
    """The caller's own line on their community's board (searched in full)."""
    return next((row for row in leaderboard(session, actor, period=period, by=by, limit=10**6)
                 if row.user.id == actor.id), None)
