"""1+1+7 deadlines: daily reminders (一天一提醒) and escalation across levels (督办, 四流转).

``tick`` is run by cron (``flask engage tick``). It is idempotent: a reminder goes
out at most once per local day per order, and an order is escalated one level per
full day it is overdue — grid, community, street, district, from its handling unit's
level (the rule: engage/orders/levels.py) — so a second run in the same day, or two at
once, change nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.escalation import raise_level
from engage.orders.labels import FLOW_LEVEL_NAMES
from engage.orders.levels import AUDIENCE, escalation_target
from engage.orders.models import LEVELS, OPEN_STATUSES, OrderEvent, ServiceOrder, deadline
from engage.orders.queries import DEADLINE_OF, due_at
from engage.orders.services import notify_order
from engage.units.models import Unit


@dataclass
class TickResult:
    reminded: int = 0
    escalated: int = 0


def tick_orders(session: Session, *, now: datetime, zone: ZoneInfo) -> TickResult:
    result = TickResult()
    today = now.astimezone(zone).date().isoformat()
    overdue = (
        select(ServiceOrder, Unit.kind)
        .outerjoin(Unit, Unit.id == ServiceOrder.handler_unit_id)
        .where(ServiceOrder.status.in_(OPEN_STATUSES), due_at() < now)
        .order_by(ServiceOrder.id)
    )
    for order, kind in session.execute(overdue).all():
        due = deadline(order)
        if due is None or due >= now:
            continue
        result.reminded += _remind(session, order, today, now)
        result.escalated += _escalate(session, order, kind, due, now)
    return result


def _remind(session: Session, order: ServiceOrder, today: str, now: datetime) -> int:
    claimed = session.execute(
        update(ServiceOrder)
        .where(
            ServiceOrder.id == order.id,
            (ServiceOrder.reminded_on.is_(None)) | (ServiceOrder.reminded_on != today),
        )
        .values(reminded_on=today)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return 0
    session.add(
        OrderEvent(
            order_id=order.id,
            kind="reminded",
            status=order.status,
            at=now,
            note=f"deadline passed ({order.status})",
        )
    )
    notify_order(
        session, _who_acts(order), order, _("订单已超时，请尽快处理：%(t)s", t=order.title), kind="reminder"
    )
    return 1


def _who_acts(order: ServiceOrder) -> str:
    """Whoever the order is waiting for."""
    if order.status == "placed":
        return "staff_of_community"
    if order.status == "dispatched" and order.assigned_volunteer_id is None:
        return "volunteers_of_community"
    if order.status in ("assigned", "signed"):
        return "handler_unit"
    return "volunteer"


def _escalate(session: Session, order: ServiceOrder, kind: str | None, due: datetime, now: datetime) -> int:
    """One level per full day overdue, from the level of the unit holding it (``kind``; none
    on the volunteer path); the level reached is told and the step is on the timeline."""
    level = escalation_target(kind, (now - due) // timedelta(days=1))
    if level <= order.escalation_level:
        return 0
    seen = (ServiceOrder.status == order.status, DEADLINE_OF[order.status] == due)
    if not raise_level(session, ServiceOrder, order.id, level, *seen):
        return 0
    session.add(
        OrderEvent(
            order_id=order.id,
            kind="escalated",
            status=order.status,
            at=now,
            unit_id=order.handler_unit_id,
            due=due,
            level=level,
        )
    )
    message = _("督办：诉求超时，已升级至%(l)s：%(t)s", l=FLOW_LEVEL_NAMES[LEVELS[level]], t=order.title)
    notify_order(session, AUDIENCE[level], order, message, kind="escalation", urgent=True)
    return 1
