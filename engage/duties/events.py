"""4 必到: an event is reported for a grid, its grid worker must arrive on site in time
(30 minutes for emergencies and family accidents, 24 hours otherwise, configurable),
then handle and close it. Late arrivals are flagged and escalated by ``tick``."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.community.models import Grid, MicroGrid
from engage.duties.models import EVENT_KINDS, URGENT_EVENT_KINDS, DutyEvent
from engage.errors import Forbidden, Invalid, InvalidTransition, NotFound
from engage.escalation import raise_level
from engage.notifications.services import Link, notify, send
from engage.orders.services import get_order
from engage.scope import scope_of
from engage.validation import text, whole
from points.base import utcnow

STEPS = {
    "arrive": ("reported", "arrived", "arrived_at"),
    "handle": ("arrived", "handled", "handled_at"),
    "close": ("handled", "closed", "closed_at"),
}


def allowed_time(kind: str, *, urgent_minutes: int, other_hours: int) -> timedelta:
    return timedelta(minutes=urgent_minutes) if kind in URGENT_EVENT_KINDS else timedelta(hours=other_hours)


def report_event(
    session: Session,
    actor: User,
    *,
    grid_id,
    kind: str,
    title: str,
    description: str = "",
    urgent_minutes: int,
    other_hours: int,
    now: datetime | None = None,
    order_id: int | None = None,
) -> DutyEvent:
    """Residents report in their own community; grid workers and staff in theirs."""
    if kind not in EVENT_KINDS:
        raise Invalid.field("kind", _("未知的事件类型。"))
    grid = session.get(Grid, whole(grid_id, "grid_id", 1, 2**31 - 1))
    scope = scope_of(session, actor)
    if grid is None or (grid.community_id != scope.community_id and not scope.administers(grid.community_id)):
        raise Invalid.field("grid_id", _("请选择本社区的网格。"))
    now = now or utcnow()
    event = DutyEvent(
        community_id=grid.community_id,
        grid_id=grid.id,
        responsible_worker_id=grid.grid_worker_id,
        kind=kind,
        title=text(title, "title", 100),
        description=text(description, "description", 2000, required=False),
        reported_by_id=actor.id,
        reported_at=now,
        order_id=order_id,
        arrive_by=now + allowed_time(kind, urgent_minutes=urgent_minutes, other_hours=other_hours),
    )
    session.add(event)
    session.flush()
    if event.responsible_worker_id:
        send(
            session,
            event.responsible_worker_id,
            _(
                "必到事件：%(title)s，请在 %(minutes)d 分钟内到场。",
                title=event.title,
                minutes=int((event.arrive_by - now).total_seconds() // 60),
            ),
            Link("duties.event", {"event_id": event.id}),
            kind="duty_event",
            urgent=event.kind in URGENT_EVENT_KINDS,
        )
    return event


def report_from_order(
    session: Session, actor: User, order_id: int, *, kind: str, urgent_minutes: int, other_hours: int
) -> DutyEvent:
    """Staff or the grid worker turn an order that needs someone on site into a 必到 event of
    the order's grid."""
    if not actor.has_role("grid_worker", *STAFF_ROLES):
        raise Forbidden()
    order = get_order(session, actor, order_id)
    micro_grid = session.get(MicroGrid, order.micro_grid_id) if order.micro_grid_id else None
    if micro_grid is None:
        raise Invalid(str(_("该订单没有所在微网格，无法列为必到事件。")))
    return report_event(
        session,
        actor,
        grid_id=micro_grid.grid_id,
        kind=kind,
        title=order.title,
        description=order.description,
        urgent_minutes=urgent_minutes,
        other_hours=other_hours,
        order_id=order.id,
    )


def events_in_scope(session: Session, actor: User) -> Select:
    if actor.has_role(*STAFF_ROLES):
        return select(DutyEvent).where(scope_of(session, actor).administered(DutyEvent.community_id))
    if actor.has_role("grid_worker"):
        return select(DutyEvent).where(DutyEvent.responsible_worker_id == actor.id)
    raise Forbidden()


def get_event(session: Session, actor: User, event_id: int) -> DutyEvent:
    event = session.scalar(events_in_scope(session, actor).where(DutyEvent.id == event_id))
    if event is None:
        raise NotFound()
    return event


def advance(
    session: Session, actor: User, event_id: int, step: str, *, note: str = "", now: datetime | None = None
) -> DutyEvent:
    """Arrive, handle, close — each once, in order, by the responsible worker or staff."""
    event = get_event(session, actor, event_id)
    if not actor.has_role(*STAFF_ROLES) and event.responsible_worker_id != actor.id:
        raise Forbidden()
    source, target, column = STEPS[step]
    values = {"status": target, column: now or utcnow()}
    if step == "handle":
        values["handling_note"] = text(note, "note", 2000)
    done = session.execute(
        update(DutyEvent)
        .where(DutyEvent.id == event.id, DutyEvent.status == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise InvalidTransition(str(_("事件当前状态不允许此操作。")))
    session.refresh(event)
    return event


def is_late(event: DutyEvent, now: datetime) -> bool:
    return (event.arrived_at or now) > event.arrive_by


def escalate_late(session: Session, *, now: datetime) -> int:
    """``tick``: an event nobody arrived at in time goes to the community's staff, and after
    as long again to the street's admins — each level once."""
    raised = 0
    for event in session.scalars(
        select(DutyEvent).where(DutyEvent.status == "reported", DutyEvent.arrive_by <= now)
    ):
        window = event.arrive_by - event.reported_at
        level = min(2, 1 + int((now - event.arrive_by) / window))
        if raise_level(session, DutyEvent, event.id, level):
            notify(
                session,
                "staff_of_community" if level == 1 else "admins_of_street",
                event,
                _("必到事件「%(title)s」超时未到场，请督办。", title=event.title),
                Link("duties.event", {"event_id": event.id}),
                kind="escalation",
                urgent=True,
            )
            raised += 1
    session.flush()
    return raised
