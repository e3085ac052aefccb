"""The unit path of a request (接诉即办): 分拨 to a unit, 签收, 退单, 延期, 反馈, 回访 (结案 or
重办), 吹哨报到, and the dispatcher's "answer and close" (预检分诊) and priority.

Each operation takes the session and the acting user, takes its row of the one transition
table through ``services.move_order`` (a conditional UPDATE on the status the actor saw,
so of two people acting at once exactly one wins), writes the timeline and notifies.
Who is a member of a unit and who may dispatch are asked of ``engage.units.services``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.errors import Invalid, InvalidTransition, NotFound
from engage.notifications.services import Notice, deliver
from engage.orders import levels
from engage.orders.labels import PRIORITY_NAMES, SATISFACTION_NAMES
from engage.orders.models import (
    OPEN_STATUSES,
    PRIORITIES,
    SATISFACTIONS,
    OrderExtension,
    OrderWhistle,
    ServiceOrder,
)
from engage.orders.queries import due_at
from engage.orders.services import (
    NOTE_MAX,
    START_OVER,
    get_order,
    move_order,
    notify_order,
    of_worked_grids,
    order_link,
    permitted,
)
from engage.orders.workflow import Moment
from engage.persistence import add_unique
from engage.units.services import (
    UnitEntry,
    member_unit_ids,
    unit_for_request,
    unit_member_ids,
    units_for_request,
)
from engage.validation import choice, flag, identifier, text, whole
from points.base import utcnow

RESULT_MAX = 1000
MAX_EXTENSION_HOURS = 24 * 30
MAX_WHISTLED = 10


def routable_units(
    session: Session, actor: User, order: ServiceOrder, kind: str | None = None
) -> list[UnitEntry]:
    """The unit picker: the units the actor may assign this request to."""
    return units_for_request(session, actor, order.community_id, kind)


def _unit(
    session: Session, actor: User, order: ServiceOrder, unit_id, field: str, kind: str | None = None
) -> UnitEntry:
    """A unit the actor may route this request to, else a refusal on ``field``."""
    try:
        unit = unit_for_request(session, actor, order.community_id, identifier(unit_id, field))
    except NotFound:
        unit = None
    if unit is None or kind not in (None, unit.kind):
        raise Invalid.field(field, _("找不到该单位。"))
    return unit


def _tell_unit(
    session: Session, unit_id: int, order: ServiceOrder, message, *, kind: str, urgent: bool = False
) -> None:
    deliver(session, unit_member_ids(session, unit_id), Notice(str(message), order_link(order), kind, urgent))


def _void_pending_extension(session: Session, order: ServiceOrder) -> None:
    """A request that leaves its unit (退单, reassigned, replied) takes no 延期 decision any more."""
    session.execute(
        update(OrderExtension)
        .where(OrderExtension.order_id == order.id, OrderExtension.status == "pending")
        .values(status="void")
    )
    session.expire(order, ["extensions"])


def assign_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    unit_id,
    note: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """分拨 a placed request to a unit (or reassign one that a unit holds, as a transition):
    it must sign within the category's accept hours and resolve within its resolve hours."""
    note = text(note, "note", NOTE_MAX, required=False)
    order = get_order(session, actor, order_id)
    action = "assign" if order.status == "placed" else "reassign"
    now = now or utcnow()
    permitted(session, actor, order, action, Moment(now, None))
    unit = _unit(session, actor, order, unit_id, "unit_id")
    if unit.id == order.handler_unit_id:
        raise Invalid.field("unit_id", _("该诉求已由此单位办理。"))
    previous = order.handler_unit_id
    category, priority = order.category, order.priority
    order = move_order(
        session,
        actor,
        order_id,
        action,
        note=f"{unit.name}{'：' + note if note else ''}"[:NOTE_MAX],
        now=now,
        handler_unit_id=unit.id,
        assigned_volunteer_id=None,
        sign_by=now + timedelta(hours=category.hours("accept", priority)),
        resolve_by=now + timedelta(hours=category.hours("resolve", priority)),
        **START_OVER,
    )
    if action == "reassign":
        _void_pending_extension(session, order)
        _tell_unit(session, previous, order, _("诉求已改派其他单位：%(t)s", t=order.title), kind="status")
    notify_order(session, "handler_unit", order, _("新的诉求待签收：%(t)s", t=order.title), kind="dispatch")
    notify_order(session, "requester", order, _("您的诉求已分拨至 %(u)s。", u=unit.name), kind="status")
    return order


def sign_order(session: Session, actor: User, order_id: int, *, now: datetime | None = None) -> ServiceOrder:
    """签收: the handling unit takes the request on; one member signs for all. It now works
    against its 办结 deadline, so its escalation starts over."""
    order = move_order(session, actor, order_id, "sign", now=now, **START_OVER)
    notify_order(
        session, "requester", order, _("您的诉求已签收，正在办理：%(t)s", t=order.title), kind="status"
    )
    return order


def return_order(
    session: Session, actor: User, order_id: int, *, reason: str, now: datetime | None = None
) -> ServiceOrder:
    """退单: the unit sends the request back to the dispatcher, saying why; it is placed
    again with a new 派单 deadline and no handler."""
    reason = text(reason, "reason", NOTE_MAX)
    order = get_order(session, actor, order_id)
    now = now or utcnow()
    dispatch_by = now + timedelta(hours=order.category.hours("dispatch", order.priority))
    order = move_order(
        session,
        actor,
        order_id,
        "return",
        note=reason,
        now=now,
        handler_unit_id=None,
        sign_by=None,
        dispatch_by=dispatch_by,
        **START_OVER,
    )
    _void_pending_extension(session, order)
    notify_order(
        session,
        "staff_of_community",
        order,
        _("诉求被退回，请重新派单：%(t)s", t=order.title),
        kind="dispatch",
    )
    return order


def request_extension(
    session: Session, actor: User, order_id: int, *, hours, reason: str, now: datetime | None = None
) -> OrderExtension:
    """延期: the handling unit asks for more hours; one request waits at a time (the table's
    guard, and the database's partial unique index when two arrive at once)."""
    hours = whole(hours, "hours", 1, MAX_EXTENSION_HOURS)
    reason = text(reason, "reason", NOTE_MAX)
    order = move_order(
        session,
        actor,
        order_id,
        "ask_extension",
        note=str(_("%(h)d小时：%(r)s", h=hours, r=reason)),
        now=now,
    )
    extension = OrderExtension(
        order_id=order.id, unit_id=order.handler_unit_id, hours=hours, reason=reason, requested_by_id=actor.id
    )
    add_unique(session, extension, InvalidTransition(str(_("已有待审批的延期申请。"))))
    session.expire(order, ["extensions"])
    notify_order(
        session, "staff_of_community", order, _("延期申请待审批：%(t)s", t=order.title), kind="dispatch"
    )
    return extension


def decide_extension(
    session: Session, actor: User, order_id: int, *, approve, now: datetime | None = None
) -> ServiceOrder:
    """The dispatcher approves (办结时限 moves by the hours asked) or refuses the pending 延期."""
    approve = flag(approve, "approve", default=None)
    if approve is None:
        raise Invalid.field("approve", _("必须是 true 或 false。"))
    order = get_order(session, actor, order_id)
    pending = next((e for e in order.extensions if e.status == "pending"), None)
    hours = pending.hours if pending else 0
    now = now or utcnow()
    changes = {"resolve_by": order.resolve_by + timedelta(hours=hours), **START_OVER} if approve else {}
    label = _("同意延期%(h)d小时", h=hours) if approve else _("不同意延期")
    order = move_order(session, actor, order_id, "decide_extension", note=str(label), now=now, **changes)
    decided = session.execute(
        update(OrderExtension)
        .where(OrderExtension.id == pending.id, OrderExtension.status == "pending")
        .values(status="approved" if approve else "refused", decided_by_id=actor.id, decided_at=now)
    ).rowcount
    if decided != 1:
        raise InvalidTransition(str(_("没有待审批的延期申请。")))
    session.expire(order, ["extensions"])
    notify_order(
        session,
        "handler_unit",
        order,
        _("延期申请已处理（%(d)s）：%(t)s", d=label, t=order.title),
        kind="status",
    )
    return order


def reply_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    result: str,
    photo: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """反馈: the handling unit reports its result (and a photo); the dispatcher calls back."""
    result = text(result, "result", RESULT_MAX)
    order = move_order(
        session, actor, order_id, "reply", note=result, now=now, completion_note=result, photo=photo
    )
    _void_pending_extension(session, order)
    notify_order(
        session, "staff_of_community", order, _("单位已反馈，请回访：%(t)s", t=order.title), kind="callback"
    )
    notify_order(session, "requester", order, _("您的诉求已办理：%(t)s", t=order.title), kind="callback")
    return order


def callback_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    satisfaction: str,
    note: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """回访: satisfied or basically satisfied closes the request; unsatisfied sends it back
    to the same unit (重办, counted) with fresh 签收 and 办结 deadlines. The dispatcher records
    it after calling the requester, or the requester answers it themselves: the same rows of
    the table, so whichever comes second finds the request moved on (``InvalidTransition``)."""
    satisfaction = choice(satisfaction, "satisfaction", SATISFACTIONS)
    note = text(note, "note", NOTE_MAX, required=False)
    order = get_order(session, actor, order_id)
    now = now or utcnow()
    said = f"{SATISFACTION_NAMES[satisfaction]}{'：' + note if note else ''}"
    if satisfaction != "unsatisfied":
        kind = order.handler_unit.kind if order.handler_unit else None  # none: refused below
        solved = levels.solved_level(session, order.id, levels.unit_level(kind))
        order = move_order(
            session,
            actor,
            order_id,
            "callback",
            note=said,
            now=now,
            satisfaction=satisfaction,
            solved_level=solved,
        )
        notify_order(
            session,
            "handler_unit",
            order,
            _("回访%(s)s，已结案：%(t)s", s=said, t=order.title),
            kind="callback",
        )
        return order
    category, priority = order.category, order.priority
    order = move_order(
        session,
        actor,
        order_id,
        "redo",
        note=said,
        now=now,
        satisfaction=satisfaction,
        reopen_count=ServiceOrder.reopen_count + 1,
        completion_note=None,
        photo=None,
        sign_by=now + timedelta(hours=category.hours("accept", priority)),
        resolve_by=now + timedelta(hours=category.hours("resolve", priority)),
        **START_OVER,
    )
    notify_order(
        session, "handler_unit", order, _("回访不满意，请重办：%(t)s", t=order.title), kind="callback"
    )
    return order


def whistle_order(
    session: Session,
    actor: User,
    order_id: int,
    *,
    unit_ids,
    note: str | None = None,
    report_hours: int,
    now: datetime | None = None,
) -> ServiceOrder:
    """吹哨: a street admin or community staff calls departments in (协办); each must report
    in within ``report_hours``. The handling unit stays responsible (主办)."""
    note = text(note, "note", NOTE_MAX, required=False)
    order = get_order(session, actor, order_id)
    now = now or utcnow()
    permitted(session, actor, order, "whistle", Moment(now, None))
    if not isinstance(unit_ids, list) or not 1 <= len(unit_ids) <= MAX_WHISTLED:
        raise Invalid.field("unit_ids", _("请选择1到%(n)d个部门。", n=MAX_WHISTLED))
    units = {
        unit.id: unit
        for unit in (_unit(session, actor, order, u, "unit_ids", "department") for u in unit_ids)
    }
    if order.handler_unit_id in units:
        raise Invalid.field("unit_ids", _("主办单位无需吹哨。"))
    names = "、".join(unit.name for unit in units.values())
    order = move_order(
        session, actor, order_id, "whistle", note=f"{names}{'：' + note if note else ''}"[:NOTE_MAX], now=now
    )
    for unit in units.values():
        whistle = OrderWhistle(
            order_id=order.id,
            unit_id=unit.id,
            whistled_by_id=actor.id,
            note=note or None,
            report_by=now + timedelta(hours=report_hours),
            created_at=now,
        )
        add_unique(session, whistle, Invalid.field("unit_ids", _("%(u)s 已被吹哨。", u=unit.name)))
        _tell_unit(
            session,
            unit.id,
            order,
            _("吹哨报到：请于时限内报到协办：%(t)s", t=order.title),
            kind="whistle",
            urgent=True,
        )
    session.expire(order, ["whistles"])
    return order


def report_in(
    session: Session, actor: User, order_id: int, *, note: str | None = None, now: datetime | None = None
) -> ServiceOrder:
    """报到: a member of a whistled unit reports in for it, once."""
    note = text(note, "note", NOTE_MAX, required=False)
    now = now or utcnow()
    order = move_order(session, actor, order_id, "report_in", note=note, now=now)
    reported = session.execute(
        update(OrderWhistle)
        .where(
            OrderWhistle.order_id == order.id,
            OrderWhistle.unit_id.in_(member_unit_ids(actor)),
            OrderWhistle.reported_at.is_(None),
        )
        .values(reported_at=now, reported_by_id=actor.id)
    ).rowcount
    if not reported:
        raise InvalidTransition(str(_("本单位已报到。")))
    session.expire(order, ["whistles"])
    notify_order(session, "handler_unit", order, _("协办单位已报到：%(t)s", t=order.title), kind="status")
    return order


def answer_order(
    session: Session, actor: User, order_id: int, *, answer: str, now: datetime | None = None
) -> ServiceOrder:
    """预检分诊: a simple question answered at intake and closed; the answer is on the timeline,
    and it was solved at the answering dispatcher's level (engage/orders/levels.py)."""
    answer = text(answer, "answer", RESULT_MAX)
    order = get_order(session, actor, order_id)
    solved = levels.solved_level(
        session, order.id, levels.dispatcher_level(session, actor, order.community_id)
    )
    order = move_order(
        session,
        actor,
        order_id,
        "answer",
        note=answer,
        now=now,
        completion_note=answer,
        solved_level=solved,
    )
    notify_order(session, "requester", order, _("您的诉求已答复：%(t)s", t=order.title), kind="status")
    return order


def prioritize_order(
    session: Session, actor: User, order_id: int, *, priority: str, now: datetime | None = None
) -> ServiceOrder:
    """The dispatcher sets the priority before routing; the deadlines follow it, counted
    from when the request was placed."""
    priority = choice(priority, "priority", PRIORITIES)
    order = get_order(session, actor, order_id)
    category, placed = order.category, order.created_at
    return move_order(
        session,
        actor,
        order_id,
        "prioritize",
        note=str(PRIORITY_NAMES[priority]),
        now=now,
        priority=priority,
        dispatch_by=placed + timedelta(hours=category.hours("dispatch", priority)),
        resolve_by=placed + timedelta(hours=category.hours("resolve", priority)),
        **START_OVER,
    )


def unit_queue_count(session: Session, actor: User) -> int:
    """How many requests wait in the actor's 本单位待办 (the home page's figure)."""
    return session.scalar(
        select(func.count()).select_from(unit_queue_query(session, actor).order_by(None).subquery())
    )


def unit_queue_query(session: Session, actor: User):
    """本单位待办: requests the actor's units hold (assigned or signed) or were whistled in
    on and have not reported for, and for a grid worker every open request of their grids;
    overdue first, then by the nearest deadline."""
    units = member_unit_ids(actor)
    due = func.coalesce(due_at(), ServiceOrder.resolve_by)
    whistled = select(OrderWhistle.order_id).where(
        OrderWhistle.unit_id.in_(units), OrderWhistle.reported_at.is_(None)
    )
    waiting = (
        (ServiceOrder.handler_unit_id.in_(units)) & ServiceOrder.status.in_(("assigned", "signed"))
    ) | (ServiceOrder.id.in_(whistled) & ServiceOrder.status.in_(("assigned", "signed", "replied")))
    if actor.has_role("grid_worker"):
        waiting |= of_worked_grids(actor) & ServiceOrder.status.in_(OPEN_STATUSES)
    return select(ServiceOrder).where(waiting).order_by((due >= utcnow()), due, ServiceOrder.id)
