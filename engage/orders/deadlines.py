"""1+1+7 deadlines: daily reminders (一天一提醒) and escalation (督办) up to three times.

``tick`` is run by cron (``flask engage tick``). It is idempotent: a reminder goes
out at most once per local day per order, and an order is escalated one level per
full day it is overdue, so a second run in the same day changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.escalation import raise_level
from engage.orders.models import OPEN_STATUSES, OrderEvent, ServiceOrder
from engage.orders.queries import deadline
from engage.orders.services import notify_order

MAX_ESCALATION = 3


@dataclass
class TickResult:
    reminded: int = 0
    escalated: int = 0


def tick_orders(session: Session, *, now: datetime, zone: ZoneInfo) -> TickResult:
    result = TickResult()
    today = now.astimezone(zone).date().isoformat()
    for order in session.scalars(
        select(ServiceOrder).where(ServiceOrder.status.in_(OPEN_STATUSES)).order_by(ServiceOrder.id)
    ):
        due = deadline(order)
        if due is None or due >= now:
            continue
        result.reminded += _remind(session, order, today, now)
        result.escalated += _escalate(session, order, due, now)
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


def _escalate(session: Session, order: ServiceOrder, due: datetime, now: datetime) -> int:
    """One level per full day overdue: community staff first, then the street (督办)."""
    level = min(MAX_ESCALATION, (now - due) // timedelta(days=1))
    if level <= order.escalation_level:
        return 0
    if not raise_level(session, ServiceOrder, order.id, level):
        return 0
    session.add(
        OrderEvent(
            order_id=order.id, kind="escalated", status=order.status, at=now, note=f"督办 level {level}"
        )
    )
    audience = "staff_of_community" if level == 1 else "admins_of_street"
    notify_order(
        session,
        audience,
        order,
        _("督办（第%(n)d次）：%(t)s", n=level, t=order.title),
        kind="escalation",
        urgent=True,
    )
    return 1
