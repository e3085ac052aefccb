"""Volunteer leaderboards: points earned and service hours, per community or street, for a
month, quarter, year or all time.

Earned points are the net of the earning kinds (awards, order and activity rewards, and
corrections of those); spending does not lower a rank. Hours count activities that start
in the period. Ties: more hours (for points) or more points (for hours), then the earlier
registration. The boards read ``volunteer_tallies``, rebuilt set-wise by ``tick``
(``rebuild_tallies``): a board may be a few minutes behind, and reading it never sums a
million postings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, column, delete, func, insert, literal, select, union_all, values
from sqlalchemy.orm import Session

from engage.activities.models import Activity, Enrollment
from engage.auth.models import User, UserRole
from engage.errors import Forbidden
from engage.ledger.services import user_account_of
from engage.periods import Period, recent
from engage.rankings.models import VolunteerTally
from engage.scope import scope_of, street_community_ids
from engage.volunteers.models import Team, TeamMember
from points.base import UTCDateTime
from points.models import Account, Posting, Transaction

EARNING_KINDS = ("award", "order_reward", "activity_reward")
ALL_TIME = "all"
HISTORY_YEARS = 3


@dataclass(frozen=True)
class Row:
    rank: int
    user: User
    points: int
    minutes: int


def _periods(zone: ZoneInfo, now: datetime) -> list[tuple[str, datetime, datetime]]:
    """Every month, quarter and year of the last few years, and all time."""
    found = [
        period
        for kind, count in (
            ("month", 12 * HISTORY_YEARS),
            ("quarter", 4 * HISTORY_YEARS),
            ("year", HISTORY_YEARS),
        )
        for period in recent(kind, count, zone, now=now)
    ]
    rows = [(p.label, p.start.astimezone(UTC), p.end.astimezone(UTC)) for p in found]
    return rows + [(ALL_TIME, datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))]


def rebuild_tallies(session: Session, *, zone: ZoneInfo, now: datetime) -> int:
    """Recompute every volunteer's points and minutes per period in three statements."""
    periods = (
        values(
            column("label", String), column("start", UTCDateTime), column("end", UTCDateTime), name="periods"
        )
        .data(_periods(zone, now))
        .cte("periods")
    )
    volunteers = (
        select(User.id, User.community_id).join(UserRole).where(UserRole.role == "volunteer").subquery()
    )
    earned = (
        select(
            volunteers.c.id.label("user_id"),
            volunteers.c.community_id,
            periods.c.label.label("period"),
            Posting.amount.label("points"),
            literal(0).label("minutes"),
        )
        .select_from(Posting)
        .join(Account, Account.id == Posting.account_id)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(volunteers, Account.address == user_account_of(volunteers.c.id))
        .join(periods, (Transaction.created_at >= periods.c.start) & (Transaction.created_at < periods.c.end))
        .where(Transaction.kind.in_(EARNING_KINDS))
    )
    served = (
        select(volunteers.c.id, volunteers.c.community_id, periods.c.label, literal(0), Enrollment.minutes)
        .select_from(Enrollment)
        .join(Activity, Activity.id == Enrollment.activity_id)
        .join(volunteers, volunteers.c.id == Enrollment.volunteer_id)
        .join(periods, (Activity.starts_at >= periods.c.start) & (Activity.starts_at < periods.c.end))
        .where(Enrollment.minutes > 0)
    )
    both = union_all(earned, served).subquery()
    session.execute(delete(VolunteerTally))
    session.execute(
        insert(VolunteerTally).from_select(
            ["user_id", "community_id", "period", "points", "minutes"],
            select(
                both.c.user_id,
                both.c.community_id,
                both.c.period,
                func.sum(both.c.points),
                func.sum(both.c.minutes),
            ).group_by(both.c.user_id, both.c.community_id, both.c.period),
        )
    )
    return session.scalar(select(func.count()).select_from(VolunteerTally))


def _communities(session: Session, actor: User, scope: str) -> list[int]:
    mine = scope_of(session, actor)
    if scope == "street":
        return street_community_ids(session, mine.street_id)
    if scope == "community" and mine.community_id is not None:
        return [mine.community_id]
    raise Forbidden()


def _board(session: Session, actor: User, period: Period | None, by: str, scope: str):
    order = (
        (VolunteerTally.points.desc(), VolunteerTally.minutes.desc())
        if by == "points"
        else (VolunteerTally.minutes.desc(), VolunteerTally.points.desc())
    )
    return (
        select(User, VolunteerTally.points, VolunteerTally.minutes)
        .join(User, User.id == VolunteerTally.user_id)
        .where(
            VolunteerTally.period == (period.label if period else ALL_TIME),
            VolunteerTally.community_id.in_(_communities(session, actor, scope)),
            (VolunteerTally.points > 0) | (VolunteerTally.minutes > 0),
        )
        .order_by(*order, User.id)
    )


def leaderboard(
    session: Session,
    actor: User,
    *,
    period: Period | None,
    by: str = "points",
    scope: str = "community",
    limit: int = 50,
) -> list[Row]:
    stmt = _board(session, actor, period, by, scope).limit(limit)
    return [
        Row(rank, user, int(p), int(m)) for rank, (user, p, m) in enumerate(session.execute(stmt), start=1)
    ]


def my_rank(session: Session, actor: User, *, period: Period | None, by: str = "points") -> Row | None:
    """The caller's own line on their community's board: one more than those ahead of them."""
    mine = session.get(VolunteerTally, (actor.id, period.label if period else ALL_TIME))
    if mine is None or not (mine.points or mine.minutes):
        return None
    first, second = (
        (VolunteerTally.points, VolunteerTally.minutes)
        if by == "points"
        else (VolunteerTally.minutes, VolunteerTally.points)
    )
    mine_first, mine_second = (mine.points, mine.minutes) if by == "points" else (mine.minutes, mine.points)
    ahead = session.scalar(
        select(func.count())
        .select_from(VolunteerTally)
        .join(User, User.id == VolunteerTally.user_id)
        .where(
            VolunteerTally.period == mine.period,
            VolunteerTally.community_id == mine.community_id,
            (first > mine_first)
            | ((first == mine_first) & (second > mine_second))
            | ((first == mine_first) & (second == mine_second) & (User.id < actor.id)),
        )
    )
    return Row(ahead + 1, actor, mine.points, mine.minutes)


def team_board(session: Session, actor: User, *, period: Period | None) -> list[tuple[str, int, int, int]]:
    """The caller's community's teams by their members' hours: (name, members, points, minutes)."""
    community_id = scope_of(session, actor).community_id
    if community_id is None:
        raise Forbidden()
    tallies = (
        select(VolunteerTally)
        .where(VolunteerTally.period == (period.label if period else ALL_TIME))
        .subquery()
    )
    rows = session.execute(
        select(
            Team.name,
            func.count(TeamMember.user_id),
            func.coalesce(func.sum(tallies.c.points), 0),
            func.coalesce(func.sum(tallies.c.minutes), 0),
        )
        .join(TeamMember, TeamMember.team_id == Team.id)
        .outerjoin(tallies, tallies.c.user_id == TeamMember.user_id)
        .where(Team.community_id == community_id)
        .group_by(Team.id, Team.name)
        .order_by(func.coalesce(func.sum(tallies.c.minutes), 0).desc(), Team.id)
    )
    return [(name, int(n), int(p), int(m)) for name, n, p, m in rows]
