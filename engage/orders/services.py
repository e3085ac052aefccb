"""Every operation on a service order. Each takes the session and the acting user,
checks the transition table, changes the order with a conditional UPDATE (so two
people acting at once cannot both win), writes the timeline and notifies.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.community.models import Grid, MicroGrid
from engage.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from engage.notifications.services import Link, notify
from engage.orders import rewards, workflow
from engage.orders.labels import EVENT_NAMES
from engage.orders.models import (
    CHANNELS,
    PRIORITIES,
    OrderCategory,
    OrderEvent,
    OrderWhistle,
    ServiceOrder,
    deadline,
)
from engage.scope import scope_of
from engage.units.services import MEMBER_ROLES, dispatched_by, member_unit_ids
from engage.validation import choice, optional_string, text, whole
from points.base import utcnow

CATEGORY_MAX, TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX, COMMENT_MAX = 32, 100, 2000, 500, 500
STAFF_CHANNELS = ("phone", "hotline_12345")
# The steps by which a dispatcher takes a resident's request in: the first of them makes
# that dispatcher the first responder (首问负责人) unless someone recorded the request.
TAKES_IN = ("dispatch", "assign", "answer")
# What a step that sets a request a new deadline also sets: its escalation starts over
# (the levels it reached stay on the timeline; engage/orders/levels.py).
START_OVER = {"escalation_level": 0}


class AlreadyTaken(Conflict):
    code = "already_taken"


def _category(session: Session, community_id: int, code: str) -> OrderCategory:
    category = session.scalar(
        select(OrderCategory).where(
            OrderCategory.community_id == community_id,
            OrderCategory.code == code,
            OrderCategory.active.is_(True),
        )
    )
    if category is None:
        raise Invalid.field("category", _("未知的服务类别。"))
    return category


def _requester(session: Session, actor: User, on_behalf_of: int | None, channel: str | None):
    """Who the order is for, and by which channel it came (代诉 by grid workers, hotline by staff)."""
    if on_behalf_of is None:
        if not actor.has_role("resident"):
            raise Forbidden(str(_("只有居民可以点单；网格员和社区工作者可代居民点单。")))
        return actor, channel if channel in ("app", "qr") else "app"
    if not actor.has_role("grid_worker", "staff", "admin"):
        raise Forbidden()
    resident = session.get(User, on_behalf_of)
    if (
        resident is None
        or not resident.has_role("resident")
        or resident.community_id != scope_of(session, actor).community_id
    ):
        raise Invalid.field("on_behalf_of", _("找不到该居民。"))
    if actor.has_role("staff", "admin") and channel in STAFF_CHANNELS:
        return resident, channel
    return resident, "grid_worker"


def notify_order(
    session: Session,
    audience_name: str,
    order: ServiceOrder,
    message,
    *,
    kind: str = "notice",
    urgent: bool = False,
) -> None:
    """A message of ``kind`` about the order to one of its audiences, pointing at the order's page."""
    notify(session, audience_name, order, message, order_link(order), kind=kind, urgent=urgent)


def order_link(order: ServiceOrder) -> Link:
    return Link("orders.detail", {"order_id": order.id})


def place_order(
    session: Session,
    actor: User,
    *,
    category: str,
    title: str,
    description: str | None = "",
    on_behalf_of: int | None = None,
    channel: str | None = None,
    micro_grid_id: int | None = None,
    priority: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """点单: a resident asks for help; deadlines start now (1+1+7 by default, the category's
    urgent hours for an urgent request). Whoever records a request for a resident (a call
    taken by staff, a grid worker's 代诉) is its first responder; only they set a priority."""
    requester, channel = _requester(session, actor, on_behalf_of, optional_string(channel, "channel"))
    priority = choice(priority or "normal", "priority", PRIORITIES)
    if priority != "normal" and requester.id == actor.id:
        raise Invalid.field("priority", _("紧急程度由受理人员设定。"))
    if channel not in CHANNELS:
        raise Invalid.field("channel", _("未知的来源渠道。"))
    community_id = requester.community_id
    if community_id is None:
        raise Invalid(str(_("请先在个人资料中选择所在社区。")))
    cat = _category(session, community_id, text(category, "category", CATEGORY_MAX))
    micro_grid_id = micro_grid_id or requester.micro_grid_id
    if (
        micro_grid_id
        and (mg := session.get(MicroGrid, micro_grid_id)) is not None
        and mg.community_id != community_id
    ):
        raise Invalid.field("micro_grid_id", _("所选微网格不属于您的社区。"))
    now = now or utcnow()
    order = ServiceOrder(
        community_id=community_id,
        micro_grid_id=micro_grid_id,
        category_id=cat.id,
        title=text(title, "title", TITLE_MAX),
        description=text(description, "description", DESCRIPTION_MAX, required=False),
        channel=channel,
        requester_id=requester.id,
        placed_by_id=actor.id,
        first_responder_id=actor.id if requester.id != actor.id else None,
        priority=priority,
        status="placed",
        dispatch_by=now + timedelta(hours=cat.hours("dispatch", priority)),
        resolve_by=now + timedelta(hours=cat.hours("resolve", priority)),
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    _event(session, order, "placed", actor, None, now)
    notify_order(
        session, "staff_of_community", order, _("新的服务订单待派单：%(t)s", t=order.title), kind="dispatch"
    )
    return order


def of_worked_grids(actor: User) -> ColumnElement[bool]:
    """Requests of the grids the actor is the grid worker of: placed from one of their
    micro-grids (its QR code, or the requester's micro-grid when placing), or by a resident
    who lives in one. The grid worker sees them from the moment they are placed."""
    micro_grids = (
        select(MicroGrid.id).join(Grid, Grid.id == MicroGrid.grid_id).where(Grid.grid_worker_id == actor.id)
    )
    residents = select(User.id).where(User.micro_grid_id.in_(micro_grids))
    return ServiceOrder.micro_grid_id.in_(micro_grids) | ServiceOrder.requester_id.in_(residents)


def visible_orders(session: Session, actor: User):
    """The select of orders this actor may see (docs/design.md rule 4, scope)."""
    conditions = [ServiceOrder.requester_id == actor.id, ServiceOrder.placed_by_id == actor.id]
    scope = scope_of(session, actor)
    if actor.has_role("grid_worker"):
        conditions.append(of_worked_grids(actor))
    if scope.community_ids or "district_admin" in scope.roles:
        conditions.append(dispatched_by(session, actor, ServiceOrder.community_id))
    if actor.has_role(*MEMBER_ROLES):
        units = member_unit_ids(actor)
        conditions.append(ServiceOrder.handler_unit_id.in_(units))
        conditions.append(
            ServiceOrder.id.in_(select(OrderWhistle.order_id).where(OrderWhistle.unit_id.in_(units)))
        )
    if actor.has_role("volunteer"):
        conditions.append(ServiceOrder.volunteer_id == actor.id)
        conditions.append(
            (ServiceOrder.status == "dispatched")
            & (ServiceOrder.community_id == scope.community_id)
            & (
                (ServiceOrder.assigned_volunteer_id.is_(None))
                | (ServiceOrder.assigned_volunteer_id == actor.id)
            )
        )
    return select(ServiceOrder).where(or_(*conditions))


def get_order(session: Session, actor: User, order_id: int) -> ServiceOrder:
    order = session.scalar(visible_orders(session, actor).where(ServiceOrder.id == order_id))
    if order is None:
        raise NotFound()
    return order


def available_actions(
    session: Session,
    actor: User,
    order: ServiceOrder,
    *,
    rating_period: timedelta,
    now: datetime | None = None,
) -> set[str]:
    """What the actor could do to the order now: the buttons a page shows, decided by the
    same table, self-dealing rule and guards as the services."""
    moment = workflow.Moment(now or utcnow(), rating_period)
    return workflow.allowed(session, actor, order, moment)


def permitted(
    session: Session, actor: User, order: ServiceOrder, action: str, moment: workflow.Moment
) -> workflow.Transition:
    """The table's row the actor may take now, else the refusal: ``Forbidden`` when they may
    never take the action, ``InvalidTransition`` when not from this status or its guard
    refuses. Services whose input names other rows (a unit to assign to) ask this first, so
    a caller who may not act learns that, not whether the rows they named exist."""
    transition, possible = workflow.find(action, order.status, workflow.parties(session, actor, order))
    if transition is None:
        if possible:
            raise InvalidTransition(str(_("订单当前状态为“%(s)s”，不能执行此操作。", s=order.status)))
        raise Forbidden()
    refusal = workflow.self_dealing(actor, order, action)
    if refusal:
        raise Forbidden(refusal)
    guarded = workflow.blocked(transition, order, moment)
    if guarded:
        raise InvalidTransition(guarded)
    return transition


def move_order(
    session: Session,
    actor: User,
    order_id: int,
    action: str,
    *,
    note: str | None = None,
    extra_where=None,
    now: datetime | None = None,
    rating_period: timedelta | None = None,
    **changes,
) -> ServiceOrder:
    """Take the table's row for ``action``; ``rating_period`` is read only by the guard of
    核查结案, the one transition that waits for it.

    The UPDATE is conditional on the status the actor saw, so of two people acting at once
    on the same status only one moves the order; the other is refused, not applied to a
    status they never saw. Every step is on the timeline and told to the first responder."""
    order = get_order(session, actor, order_id)
    now = now or utcnow()
    transition = permitted(session, actor, order, action, workflow.Moment(now, rating_period))
    unit_before, due = order.handler_unit_id, deadline(order)
    stmt = update(ServiceOrder).where(ServiceOrder.id == order.id, ServiceOrder.status == order.status)
    if extra_where is not None:
        stmt = stmt.where(extra_where)
    if action in TAKES_IN:
        changes["first_responder_id"] = func.coalesce(ServiceOrder.first_responder_id, actor.id)
    target = transition.target or order.status
    result = session.execute(
        stmt.values(status=target, updated_at=now, **changes).execution_options(synchronize_session=False)
    )
    session.refresh(order)
    if result.rowcount != 1:
        if action == "accept" and order.status == "accepted":
            raise AlreadyTaken(str(_("该订单已被其他志愿者接单。")))
        raise InvalidTransition(str(_("订单状态已变化，请刷新后重试。")))
    _event(session, order, action, actor, note, now, unit_id=order.handler_unit_id or unit_before, due=due)
    if order.first_responder_id not in (None, actor.id):
        message = _("您首问负责的诉求“%(t)s”：%(e)s", t=order.title, e=EVENT_NAMES.get(action, action))
        notify_order(session, "first_responder", order, message, kind="status")
    return order


def _event(
    session: Session,
    order: ServiceOrder,
    kind: str,
    actor: User | None,
    note: str | None,
    at: datetime,
    *,
    unit_id: int | None = None,
    due: datetime | None = None,
) -> None:
    session.add(
        OrderEvent(
            order_id=order.id,
            kind=kind,
            status=order.status,
            at=at,
            actor_id=actor.id if actor else None,
            note=note or None,
            unit_id=unit_id,
            due=due,
        )
    )


def dispatch_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    volunteer_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """派单: to one volunteer of the community, or to the community's pool."""
    note = text(note, "note", NOTE_MAX, required=False)
    order = get_order(session, actor, order_id)
    if volunteer_id is not None:
        volunteer = session.get(User, volunteer_id)
        if (
            volunteer is None
            or not volunteer.has_role("volunteer")
            or not volunteer.is_active
            or volunteer.community_id != order.community_id
        ):
            raise Invalid.field("volunteer_id", _("该志愿者不在本社区。"))
        if volunteer.id == order.requester_id:
            raise Invalid.field("volunteer_id", _("不能把订单派给下单人自己。"))
    now = now or utcnow()
    order = move_order(
        session,
        actor,
        order_id,
        "dispatch",
        note=note,
        now=now,
        assigned_volunteer_id=volunteer_id,
        accept_by=now + timedelta(hours=order.category.hours("accept", order.priority)),
        **START_OVER,
    )
    audience = "volunteer" if volunteer_id else "volunteers_of_community"
    kind = "dispatch" if audience == "volunteer" else "pool"
    notify_order(session, audience, order, _("有新的服务订单可以接单：%(t)s", t=order.title), kind=kind)
    notify_order(session, "requester", order, _("您的订单已派单：%(t)s", t=order.title), kind="status")
    return order


def accept_order(session: Session, actor: User, order_id: int, *, now: datetime | None = None):
    """接单: exactly one volunteer wins; the others get ``already_taken``."""
    try:
        order = move_order(
            session,
            actor,
            order_id,
            "accept",
            now=now,
            volunteer_id=actor.id,
            **START_OVER,
            extra_where=(ServiceOrder.assigned_volunteer_id.is_(None))
            | (ServiceOrder.assigned_volunteer_id == actor.id),
        )
    except (NotFound, InvalidTransition):
        _refuse_if_taken(session, actor, order_id)
        raise
    notify_order(session, "requester", order, _("志愿者 %(n)s 已接单。", n=actor.display_name), kind="status")
    return order


def _refuse_if_taken(session: Session, actor: User, order_id: int) -> None:
    """A taken order leaves the board; the volunteers who saw it there learn why."""
    order = session.get(ServiceOrder, order_id, populate_existing=True)
    if (
        order is not None
        and actor.has_role("volunteer")
        and order.community_id == scope_of(session, actor).community_id
        and order.volunteer_id not in (None, actor.id)
    ):
        raise AlreadyTaken(str(_("该订单已被其他志愿者接单。")))


def complete_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    note: str,
    photo: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """The volunteer reports done; the reward is held for them until the order closes."""
    note = text(note, "note", NOTE_MAX)
    order = move_order(
        session, actor, order_id, "complete", note=note, now=now, completion_note=note, photo=photo
    )
    rewards.hold_reward(session, order, actor)
    notify_order(session, "requester", order, _("服务已完成，请评价：%(t)s", t=order.title), kind="status")
    return order


def rate_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    stars: int,
    comment: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """评单: closes the order and pays the volunteer in the same transaction."""
    stars = whole(stars, "stars", 1, 5)
    comment = text(comment, "comment", COMMENT_MAX, required=False)
    awarded = rewards.points_for(get_order(session, actor, order_id).category.points, stars)
    order = move_order(
        session,
        actor,
        order_id,
        "rate",
        note=comment,
        now=now,
        rating=stars,
        rating_comment=comment or None,
        points_awarded=awarded,
    )
    rewards.pay_reward(session, order, awarded, actor)
    notify_order(session, "volunteer", order, _("订单已评价，您获得 %(p)d 积分。", p=awarded), kind="points")
    return order


def verify_close(
    session: Session,
    actor: User,
    order_id: int,
    *,
    note: str | None = None,
    now: datetime | None = None,
    rating_period: timedelta,
):
    """核查结案: staff close an order its requester did not rate within the rating period,
    at 5 stars' pay."""
    note = text(note, "note", NOTE_MAX, required=False)
    awarded = get_order(session, actor, order_id).category.points
    order = move_order(
        session,
        actor,
        order_id,
        "verify_close",
        note=note,
        now=now,
        rating_period=rating_period,
        points_awarded=awarded,
    )
    rewards.pay_reward(session, order, awarded, actor)
    notify_order(
        session, "volunteer", order, _("订单已核查结案，您获得 %(p)d 积分。", p=awarded), kind="points"
    )
    return order


def cancel_order(
    session: Session, actor: User, order_id: int, *, reason: str, now: datetime | None = None
) -> ServiceOrder:
    reason = text(reason, "reason", NOTE_MAX)
    order = move_order(session, actor, order_id, "cancel", note=reason, now=now)
    rewards.release_reward(session, order, actor)
    notify_order(session, "volunteer", order, _("订单已取消：%(t)s", t=order.title), kind="status")
    return order


def reopen_order(
    session: Session, actor: User, order_id: int, *, note: str, now: datetime | None = None
) -> ServiceOrder:
    """A badly rated order goes back to the queue; the volunteer keeps what was paid."""
    note = text(note, "note", NOTE_MAX)
    order = get_order(session, actor, order_id)
    now = now or utcnow()
    return move_order(
        session,
        actor,
        order_id,
        "reopen",
        note=note,
        now=now,
        volunteer_id=None,
        assigned_volunteer_id=None,
        rating=None,
        rating_comment=None,
        **START_OVER,
        dispatch_by=now + timedelta(hours=order.category.hours("dispatch", order.priority)),
        resolve_by=now + timedelta(hours=order.category.hours("resolve", order.priority)),
    )
