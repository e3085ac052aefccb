"""The figures leaders steer by, for a period and a set of communities.

Definitions (so each figure can be checked by hand):
- 订单 received: orders placed in the period; 办结率 (completion) = of those, closed / received;
  限时办结率 (on time) = of those, closed by their resolve deadline / received;
  满意度 (satisfaction) = of those rated, 4–5★ / rated. Rates are None when nothing counts.
- 志愿者: registered = volunteer accounts; active = those with credited service or earned
  points in the period; hours = service credited for activities in the period.
- 积分 (points): issued = budgets funded; awarded = earned by members (awards, order and
  activity rewards, net of corrections); redeemed = spent in the mall net of refunds;
  expired; outstanding = members' balances now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engage.activities.models import Activity, Enrollment
from engage.auth.models import User, UserRole
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Grid, MicroGrid
from engage.errors import NotFound
from engage.ledger.services import budget_account, user_account_of
from engage.orders.models import OrderCategory, ServiceOrder
from engage.orders.queries import closed_at
from engage.periods import Period, rate
from engage.persistence import count_if
from engage.rankings.leaderboards import EARNING_KINDS
from engage.scope import scope_of
from engage.volunteers.models import VolunteerProfile
from marketplace.models import Redemption
from points.models import Account, Posting, Transaction


@dataclass
class Dashboard:
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    by_category: list[tuple[str, int, int]] = field(default_factory=list)
    by_grid: list[tuple[str, int, int]] = field(default_factory=list)
    volunteers: int = 0
    active_volunteers: int = 0
    minutes: int = 0
    by_group: list[tuple[str, int, int]] = field(default_factory=list)
    points: dict[str, int] = field(default_factory=dict)
    redemptions: int = 0

    @property
    def completion_rate(self) -> float | None:
        return rate(self.closed, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.closed_on_time, self.received)

    @property
    def satisfaction(self) -> float | None:
        return rate(self.satisfied, self.rated)


def figures(session: Session, community_ids: list[int], period: Period) -> Dashboard:
    board = Dashboard()
    _orders(session, board, community_ids, period)
    _volunteers(session, board, community_ids, period)
    _points(session, board, community_ids, period)
    board.redemptions = session.scalar(
        select(func.count())
        .select_from(Redemption)
        .where(
            Redemption.community_id.in_(community_ids),
            Redemption.created_at >= period.start,
            Redemption.created_at < period.end,
            Redemption.status.in_(("awaiting_pickup", "collected")),
        )
    )
    return board


def _placed(community_ids: list[int], start: datetime, end: datetime, *columns):
    """The orders placed between ``start`` and ``end``, with when they were closed."""
    closing = closed_at()
    return (
        select(
            ServiceOrder.id,
            ServiceOrder.category_id,
            ServiceOrder.micro_grid_id,
            ServiceOrder.rating,
            ServiceOrder.status,
            ServiceOrder.resolve_by,
            closing.c.at.label("closed_at"),
            *columns,
        )
        .outerjoin(closing, closing.c.order_id == ServiceOrder.id)
        .where(
            ServiceOrder.community_id.in_(community_ids),
            ServiceOrder.created_at >= start,
            ServiceOrder.created_at < end,
        )
        .subquery()
    )


def _order_totals(placed, *group_by):
    """Received, closed, closed on time, rated, satisfied (4–5★) — in that order."""
    closed = placed.c.status == "closed"
    on_time = closed & (placed.c.closed_at <= placed.c.resolve_by)
    return select(
        *group_by,
        func.count(),
        count_if(closed),
        count_if(on_time),
        func.count(placed.c.rating),
        count_if(placed.c.rating >= 4),
    ).group_by(*group_by)


def _fill(board: Dashboard, totals) -> Dashboard:
    board.received, board.closed, board.closed_on_time, board.rated, board.satisfied = map(int, totals)
    return board


def order_trend(
    session: Session, community_ids: list[int], periods: list[Period]
) -> list[tuple[str, Dashboard]]:
    """Order totals per period, for the trend chart, in one query: each order counts in the
    first of the (consecutive) periods that ends after it was placed."""
    assert all(a.end == b.start for a, b in zip(periods, periods[1:], strict=False)), (
        "consecutive periods, oldest first"
    )
    which = case(*[(ServiceOrder.created_at < period.end, n) for n, period in enumerate(periods)]).label(
        "period"
    )
    placed = _placed(community_ids, periods[0].start, periods[-1].end, which)
    found = {n: totals for n, *totals in session.execute(_order_totals(placed, placed.c.period))}
    return [(period.label, _fill(Dashboard(), found.get(n, (0,) * 5))) for n, period in enumerate(periods)]


def _orders(session: Session, board: Dashboard, community_ids: list[int], period: Period) -> None:
    placed = _placed(community_ids, period.start, period.end)
    _fill(board, session.execute(_order_totals(placed)).one())
    closed = count_if(placed.c.status == "closed")
    board.by_category = [
        (name, int(n), int(done))
        for name, n, done in session.execute(
            select(OrderCategory.name, func.count(), closed)
            .join(placed, placed.c.category_id == OrderCategory.id)
            .group_by(OrderCategory.name)
            .order_by(func.count().desc(), OrderCategory.name)
        )
    ]
    board.by_grid = [
        (name, int(n), int(done))
        for name, n, done in session.execute(
            select(Grid.name, func.count(), closed)
            .join(MicroGrid, MicroGrid.grid_id == Grid.id)
            .join(placed, placed.c.micro_grid_id == MicroGrid.id)
            .group_by(Grid.name)
            .order_by(Grid.name)
        )
    ]


def _volunteers(session: Session, board: Dashboard, community_ids: list[int], period: Period) -> None:
    members = (
        select(User.id)
        .join(UserRole)
        .where(UserRole.role == "volunteer", User.community_id.in_(community_ids))
    )
    board.volunteers = session.scalar(select(func.count()).select_from(members.subquery()))
    served = (
        select(Enrollment.volunteer_id, Enrollment.minutes)
        .join(Enrollment.activity)
        .where(
            Enrollment.minutes > 0,
            Enrollment.volunteer_id.in_(members),
            Activity.starts_at >= period.start,
            Activity.starts_at < period.end,
        )
        .subquery()
    )
    board.minutes = int(session.scalar(select(func.coalesce(func.sum(served.c.minutes), 0))))
    earners = (
        select(User.id)
        .join(Account, Account.address == user_account_of(User.id))
        .join(Posting, Posting.account_id == Account.id)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(
            User.id.in_(members),
            Transaction.kind.in_(EARNING_KINDS),
            Transaction.created_at >= period.start,
            Transaction.created_at < period.end,
        )
    )
    active = select(served.c.volunteer_id).union(earners).subquery()
    board.active_volunteers = session.scalar(select(func.count()).select_from(active))
    group = func.coalesce(VolunteerProfile.volunteer_group, "resident")
    board.by_group = [
        (name, int(n), int(m or 0))
        for name, n, m in session.execute(
            select(group, func.count(func.distinct(User.id)), func.sum(served.c.minutes))
            .select_from(User)
            .outerjoin(VolunteerProfile, VolunteerProfile.user_id == User.id)
            .outerjoin(served, served.c.volunteer_id == User.id)
            .where(User.id.in_(members))
            .group_by(group)
            .order_by(group)
        )
    ]


def _points(session: Session, board: Dashboard, community_ids: list[int], period: Period) -> None:
    budgets = [budget_account(c) for c in community_ids]
    users = select(user_account_of(User.id)).where(User.community_id.in_(community_ids))

    def moved(kinds: tuple[str, ...], addresses, sign: int = 1) -> int:
        return sign * int(
            session.scalar(
                select(func.coalesce(func.sum(Posting.amount), 0))
                .join(Account, Account.id == Posting.account_id)
                .join(Transaction, Transaction.id == Posting.transaction_id)
                .where(
                    Transaction.kind.in_(kinds),
                    Account.address.in_(addresses),
                    Transaction.created_at >= period.start,
                    Transaction.created_at < period.end,
                )
            )
        )

    board.points = {
        "issued": moved(("issue",), budgets),
        "awarded": moved(EARNING_KINDS, users),
        "redeemed": moved(("redeem", "refund"), users, -1),
        "expired": moved(("expire",), users, -1),
        "outstanding": int(
            session.scalar(
                select(func.coalesce(func.sum(Account.balance), 0)).where(Account.address.in_(users))
            )
        ),
    }


def communities(session: Session, actor: User, community_id: int | None = None) -> list[int]:
    """Whose figures the caller may see: staff their community, admins the street or one of
    its communities; any other community is as absent as a missing one."""
    require_role(actor, *STAFF_ROLES)
    scope = scope_of(session, actor)
    if community_id is None:
        return list(scope.community_ids)
    if not scope.administers(community_id):
        raise NotFound()
    return [community_id]


def dashboard_rows(board: Dashboard) -> list[tuple[str, object]]:
    """The page's figures as (label, value) rows, for the Excel export: the same numbers."""

    def pct(rate):
        return None if rate is None else round(rate * 100, 1)

    return [
        ("订单数", board.received),
        ("办结数", board.closed),
        ("办结率%", pct(board.completion_rate)),
        ("限时办结率%", pct(board.on_time_rate)),
        ("满意度%", pct(board.satisfaction)),
        ("注册志愿者", board.volunteers),
        ("活跃志愿者", board.active_volunteers),
        ("服务时长（小时）", round(board.minutes / 60, 2)),
        ("下拨积分", board.points["issued"]),
        ("发放积分", board.points["awarded"]),
        ("兑换积分", board.points["redeemed"]),
        ("过期积分", board.points["expired"]),
        ("积分余额", board.points["outstanding"]),
        ("兑换次数", board.redemptions),
    ]
