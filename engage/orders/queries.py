"""What staff, volunteers and residents see of orders: queues, boards, suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from engage.auth.models import User, UserRole
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import MicroGrid
from engage.errors import Invalid
from engage.orders.levels import escalated_to
from engage.orders.models import (
    OPEN_STATUSES,
    STATUSES,
    OrderCategory,
    OrderEvent,
    ServiceOrder,
    deadline,
)
from engage.orders.services import get_order, visible_orders
from engage.orders.workflow import TRANSITIONS
from engage.pagination import Page, paginate
from engage.scope import scope_of
from engage.units.services import dispatched_by, routable_unit
from points.base import utcnow

DEADLINE_OF = {
    "placed": ServiceOrder.dispatch_by,
    "dispatched": ServiceOrder.accept_by,
    "accepted": ServiceOrder.resolve_by,
    "completed": ServiceOrder.resolve_by,
    "assigned": ServiceOrder.sign_by,
    "signed": ServiceOrder.resolve_by,
}


CLOSING_ACTIONS = tuple(t.action for t in TRANSITIONS if t.target == "closed")


def due_at() -> ColumnElement:
    """The deadline an order works against in its status, as SQL (``deadline`` in Python)."""
    return case(*((ServiceOrder.status == status, column) for status, column in DEADLINE_OF.items()))


def closed_at():
    """A subquery of when each closed order was closed (its last closing event): the
    dashboards' on-time rate and the property rankings' response time both judge by it."""
    return (
        select(OrderEvent.order_id, func.max(OrderEvent.at).label("at"))
        .where(OrderEvent.kind.in_(CLOSING_ACTIONS))
        .group_by(OrderEvent.order_id)
        .subquery()
    )


def is_overdue(order: ServiceOrder, now: datetime | None = None) -> bool:
    due = deadline(order)
    return due is not None and due < (now or utcnow())


def staff_queue(session: Session, actor: User, *, page: int = 1, per_page: int = 50, **narrow) -> Page:
    """The dispatch queue and the other status queues, oldest (most urgent) first."""
    return paginate(session, staff_queue_query(session, actor, **narrow), page=page, per_page=per_page)


def staff_queue_query(
    session: Session,
    actor: User,
    *,
    status: str | None = "placed",
    unit_id: int | None = None,
    overdue: bool = False,
    escalated: bool = False,
):
    """Staff see their community's, street admins their street's, the command centre its
    district's; narrowed to one status (``None``: every open one), to a handling unit the
    caller reaches (another → ``NotFound``), to the overdue (past the deadline of their
    status) and to those escalated to the caller's level (督办, engage/orders/levels.py)."""
    require_role(actor, *DISPATCHER_ROLES)
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", _("未知的订单状态。"))
    stmt = select(ServiceOrder).where(
        dispatched_by(session, actor, ServiceOrder.community_id),
        ServiceOrder.status.in_((status,) if status else OPEN_STATUSES),
    )
    if unit_id is not None:
        stmt = stmt.where(
            ServiceOrder.handler_unit_id == routable_unit(session, actor, unit_id, usable_only=False).id
        )
    if overdue:
        stmt = stmt.where(due_at() < utcnow())
    if escalated:
        stmt = stmt.where(escalated_to(session, actor))
    # Oldest first: served by the (community_id, status, created_at) index.
    return stmt.order_by(ServiceOrder.created_at, ServiceOrder.id)


DISPATCHER_ROLES = (*STAFF_ROLES, "district_admin")
NEAR = ("micro_grid", "grid")


def task_board(
    session: Session,
    actor: User,
    *,
    category: str | None = None,
    near: str | None = None,
    page: int = 1,
    per_page: int = 30,
) -> Page:
    """Orders a volunteer may accept: their own micro-grid first, then their grid, then
    the rest of the community; within each, the one whose acceptance deadline is nearest."""
    return paginate(
        session, task_board_query(session, actor, category=category, near=near), page=page, per_page=per_page
    )


def task_board_query(session: Session, actor: User, *, category: str | None = None, near: str | None = None):
    require_role(actor, "volunteer")
    if near not in (None, *NEAR):
        raise Invalid.field("near", _("未知的距离范围。"))
    home = session.get(MicroGrid, actor.micro_grid_id) if actor.micro_grid_id else None
    stmt = select(ServiceOrder).where(
        ServiceOrder.community_id == scope_of(session, actor).community_id,
        ServiceOrder.status == "dispatched",
        ServiceOrder.requester_id != actor.id,
        (ServiceOrder.assigned_volunteer_id.is_(None)) | (ServiceOrder.assigned_volunteer_id == actor.id),
    )
    if category:
        stmt = stmt.join(OrderCategory).where(OrderCategory.code == category)
    same_grid = select(MicroGrid.id).where(MicroGrid.grid_id == (home.grid_id if home else -1))
    home_id = home.id if home else -1
    if near == "micro_grid":
        stmt = stmt.where(ServiceOrder.micro_grid_id == home_id)
    elif near == "grid":
        stmt = stmt.where(ServiceOrder.micro_grid_id.in_(same_grid))
    nearness = case(
        (ServiceOrder.micro_grid_id == home_id, 0), (ServiceOrder.micro_grid_id.in_(same_grid), 1), else_=2
    )
    return stmt.order_by(nearness, ServiceOrder.accept_by, ServiceOrder.id)


def my_orders(
    session: Session, actor: User, *, status: str | None = None, page: int = 1, per_page: int = 20
) -> Page:
    """Everything the actor may see, newest first (API ``GET /orders``)."""
    stmt = visible_orders(session, actor)
    if status:
        if status not in STATUSES:
            raise Invalid.field("status", _("未知的订单状态。"))
        stmt = stmt.where(ServiceOrder.status == status)
    return paginate(
        session,
        stmt.order_by(ServiceOrder.created_at.desc(), ServiceOrder.id.desc()),
        page=page,
        per_page=per_page,
    )


def requested_by(session: Session, actor: User, *, page: int = 1) -> Page:
    stmt = (
        select(ServiceOrder)
        .where(ServiceOrder.requester_id == actor.id)
        .order_by(ServiceOrder.created_at.desc())
    )
    return paginate(session, stmt, page=page, per_page=20)


def taken_by(session: Session, actor: User, *, page: int = 1) -> Page:
    stmt = (
        select(ServiceOrder)
        .where(ServiceOrder.volunteer_id == actor.id)
        .order_by(ServiceOrder.updated_at.desc())
    )
    return paginate(session, stmt, page=page, per_page=20)


@dataclass(frozen=True)
class Suggestion:
    volunteer: User
    score: int
    skill_match: bool
    nearness: str
    open_load: int
    rating: float | None


def suggest_volunteers(session: Session, actor: User, order_id: int, limit: int = 5) -> list[Suggestion]:
    """Rank the community's volunteers: skill, same micro-grid/grid, light load, good ratings."""
    order = get_order(session, actor, order_id)
    require_role(actor, *STAFF_ROLES)
    load = dict(
        session.execute(
            select(ServiceOrder.volunteer_id, func.count())
            .where(ServiceOrder.status.in_(("accepted",)), ServiceOrder.community_id == order.community_id)
            .group_by(ServiceOrder.volunteer_id)
        ).all()
    )
    ratings = dict(
        session.execute(
            select(ServiceOrder.volunteer_id, func.avg(ServiceOrder.rating))
            .where(ServiceOrder.rating.is_not(None), ServiceOrder.community_id == order.community_id)
            .group_by(ServiceOrder.volunteer_id)
        ).all()
    )
    order_mg = session.get(MicroGrid, order.micro_grid_id) if order.micro_grid_id else None
    volunteers = session.scalars(
        select(User)
        .join(UserRole)
        .where(
            UserRole.role == "volunteer",
            User.community_id == order.community_id,
            User.is_active.is_(True),
            User.id != order.requester_id,
        )
    )
    suggestions = [
        _suggestion(session, v, order, order_mg, load.get(v.id, 0), ratings.get(v.id)) for v in volunteers
    ]
    return sorted(suggestions, key=lambda s: (-s.score, s.volunteer.id))[:limit]


def _suggestion(session, volunteer: User, order: ServiceOrder, order_mg, load: int, rating) -> Suggestion:
    skill = order.category.skill
    skill_match = bool(skill and skill in (volunteer.skills or "").split(","))
    nearness = "community"
    if order_mg and volunteer.micro_grid_id == order_mg.id:
        nearness = "micro_grid"
    elif (
        order_mg
        and volunteer.micro_grid_id
        and session.get(MicroGrid, volunteer.micro_grid_id).grid_id == order_mg.grid_id
    ):
        nearness = "grid"
    score = (
        (30 if skill_match else 0)
        + {"micro_grid": 20, "grid": 10, "community": 0}[nearness]
        - 5 * load
        + round(2 * float(rating or 3))
    )
    return Suggestion(volunteer, score, skill_match, nearness, load, float(rating) if rating else None)


def escalated_count(session: Session, actor: User) -> int:
    """How many open requests are escalated to the actor's level (the queue's 督办 tab)."""
    query = staff_queue_query(session, actor, status=None, escalated=True).order_by(None)
    return session.scalar(select(func.count()).select_from(query.subquery()))


def open_count(session: Session, actor: User) -> dict[str, int]:
    require_role(actor, *DISPATCHER_ROLES)
    return dict(
        session.execute(
            select(ServiceOrder.status, func.count())
            .where(
                dispatched_by(session, actor, ServiceOrder.community_id),
                ServiceOrder.status.in_(OPEN_STATUSES),
            )
            .group_by(ServiceOrder.status)
        ).all()
    )
