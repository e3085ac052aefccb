"""四流转: the levels an overdue request climbs, and the level at which a request was solved
(小事不出网格、大事不出社区、难事不出街道).

**Levels**, lowest first: 0 grid (网格), 1 community (社区), 2 street (街道), 3 district (区:
its command centre). A unit stands at the level of its kind: a grid and a property company
at the grid level (a company serves compounds of a community, which oversees it), a
community at the community level, a street office at the street level, a department (which
serves the whole district) at the district level. A request no unit holds (waiting to be
dispatched, or on the volunteer path) starts at the grid level.

**Escalation** (``tick``, engage/orders/deadlines.py). A request past the deadline it works
against (``models.deadline``: 派单, 接单, 签收 or 办结) by ``d`` full days (d ≥ 1) is escalated
to level ``min(3, start + d)``, ``start`` being its handling unit's level: a grid's request
goes to the community after one full day, the street after two, the district after three;
a community's to the street, then the district; a street's or a department's straight to
the district. ``service_orders.escalation_level`` holds the level reached (0: none); it is
raised only upwards, by one conditional UPDATE (engage/escalation.py), so two ticks at once
raise each level once. Each raise is a 督办 step on the timeline (``kind = 'escalated'``,
``level`` = the level reached, ``unit_id`` = the handling unit that was late) and tells the
level reached: community staff, the street's admins, or the district's command centre.
A step that sets the request a new deadline (派单, 接单, 分拨, 改派, 签收, 退单, 重办, an
approved 延期, 重新派单, a new priority) starts its escalation over at 0: the level it had
reached stays on the timeline.

**Escalated to whom.** A request escalated to level L is in the dispatch queue (督办 filter)
of that level over the request's community: its staff (L = 1), its street's admins (L = 2),
its district's command centre (L = 3); each of them is a dispatcher of it and may reassign it.

**Solved level** (``service_orders.solved_level``), recorded when the unit path closes a
request: for a 回访 that closes it, the higher of its handling unit's level and the highest
level it was ever escalated to (its 督办 steps); for an answer at intake (预检分诊), the higher
of the answering dispatcher's level (community staff 1, street admin 2, command centre 3)
and that highest escalation. Requests closed on the volunteer path have none.

**Share solved at each level** (``solved_by_level``), for a set of communities and a month:
the requests of those communities (by place, 属地) whose closing step (回访 or 答复结案) falls in
the month, counted by solved level; the share of a level = its count / the four counts'
sum, or null when nothing was solved. The month is local (engage/periods.py).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.community.models import Community, Street
from engage.orders.models import LEVELS, OPEN_STATUSES, OrderEvent, ServiceOrder
from engage.periods import Period, rate
from engage.scope import scope_of

GRID, COMMUNITY, STREET, DISTRICT = range(len(LEVELS))
LEVEL_OF_KIND = {
    "grid": GRID,
    "property_company": GRID,
    "community": COMMUNITY,
    "street": STREET,
    "department": DISTRICT,
}
# Who is told when a request reaches a level (engage/notifications/services.py audiences).
AUDIENCE = {COMMUNITY: "staff_of_community", STREET: "admins_of_street", DISTRICT: "command_centre"}
# The closing steps that record a solved level.
SOLVING = ("callback", "answer")


def unit_level(kind: str | None) -> int:
    """The level a unit of this kind stands at; a request no unit holds starts at the grid."""
    return LEVEL_OF_KIND[kind] if kind else GRID


def escalation_target(kind: str | None, days_overdue: int) -> int:
    """The level a request held by a unit of ``kind`` reaches after ``days_overdue`` full days
    past its deadline; 0 (none) before the first full day."""
    return min(DISTRICT, unit_level(kind) + days_overdue) if days_overdue >= 1 else 0


def dispatcher_level(session: Session, actor: User, community_id: int) -> int:
    """The lowest level at which the actor dispatches requests of this community."""
    scope = scope_of(session, actor)
    if "staff" in scope.roles and scope.community_id == community_id:
        return COMMUNITY
    if "admin" in scope.roles and scope.administers(community_id):
        return STREET
    return DISTRICT


def highest_escalation(session: Session, order_id: int) -> int:
    """The highest level the request was ever escalated to (0 if never), from its timeline."""
    return session.scalar(
        select(func.coalesce(func.max(OrderEvent.level), 0)).where(
            OrderEvent.order_id == order_id, OrderEvent.kind == "escalated"
        )
    )


def solved_level(session: Session, order_id: int, level: int) -> str:
    """The solved level's name: the higher of ``level`` (the handling unit's or the answering
    dispatcher's) and the highest escalation."""
    return LEVELS[max(level, highest_escalation(session, order_id))]


def escalated_to(session: Session, actor: User) -> ColumnElement[bool]:
    """A where-clause: open requests escalated to the actor's level over their community —
    community staff their community's at level 1, street admins their street's at level 2,
    the command centre its district's at level 3."""
    scope = scope_of(session, actor)
    reached = []
    if "staff" in scope.roles and scope.community_id is not None:
        reached.append(
            (ServiceOrder.escalation_level == COMMUNITY) & (ServiceOrder.community_id == scope.community_id)
        )
    if "admin" in scope.roles:
        reached.append(
            (ServiceOrder.escalation_level == STREET) & scope.administered(ServiceOrder.community_id)
        )
    if "district_admin" in scope.roles and scope.district_id is not None:
        district = select(Community.id).join(Street).where(Street.district_id == scope.district_id)
        reached.append((ServiceOrder.escalation_level == DISTRICT) & ServiceOrder.community_id.in_(district))
    return and_(ServiceOrder.status.in_(OPEN_STATUSES), or_(false(), *reached))


def solved_by_level(
    session: Session, community_ids: Select | list[int], period: Period
) -> dict[int, Counter]:
    """Per community: how many of its requests were solved at each level in the period."""
    rows = session.execute(
        select(ServiceOrder.community_id, ServiceOrder.solved_level, func.count())
        .join(OrderEvent, OrderEvent.order_id == ServiceOrder.id)
        .where(
            ServiceOrder.community_id.in_(community_ids),
            ServiceOrder.solved_level.is_not(None),
            OrderEvent.kind.in_(SOLVING),
            OrderEvent.at >= period.start,
            OrderEvent.at < period.end,
        )
        .group_by(ServiceOrder.community_id, ServiceOrder.solved_level)
    )
    found: dict[int, Counter] = {}
    for community_id, level, count in rows:
        found.setdefault(community_id, Counter())[level] += count
    return found


def shares(solved: Counter) -> dict[str, float | None]:
    """Each level's share of what was solved (0..1, null when nothing was)."""
    total = sum(solved.values())
    return {level: rate(solved[level], total) for level in LEVELS}
