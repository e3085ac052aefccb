"""督办单: the supervision notice of an escalated request on the unit path, printed by the
dispatchers above it (staff of its community, admins of its street, the command centre)
and handed to the handling unit with the supervisor's instruction written in.

A request has a notice while its escalation level (督办, engage/orders/deadlines.py) is
above 0 and it has been with a unit (a handling unit now, or a unit step on its
timeline). The notice shows the request, the unit (the handling unit, else the last unit
that held it), the deadlines, how late it is, its first responder and its timeline. Its
number is the tracking code and the level (``7QK3M9TX2A-2``), the same on every reprint.

How late: against the deadline the request is working against now when that has passed
(``now − deadline``); once it has moved past it (replied, closed), the largest lateness
of any step of its timeline (a step taken after the deadline then in force: ``at − due``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.errors import Forbidden, NotFound
from engage.orders.models import OrderEvent, ServiceOrder, deadline
from engage.orders.services import get_order
from engage.units.models import Unit
from engage.units.services import may_dispatch
from points.base import utcnow


@dataclass(frozen=True)
class Notice:
    order: ServiceOrder
    unit: Unit
    escalations: list[OrderEvent]
    due: datetime | None
    late: timedelta | None
    issued_at: datetime

    @property
    def number(self) -> str:
        """The request's code and the highest level it was escalated to."""
        return f"{self.order.tracking_code}-{max(e.level or 0 for e in self.escalations)}"

    @property
    def late_hours(self) -> int:
        """Whole hours late (0 when not late), for "N天M小时"."""
        return self.late // timedelta(hours=1) if self.late else 0


def _last_unit_id(order: ServiceOrder) -> int | None:
    return order.handler_unit_id or next((e.unit_id for e in reversed(order.events) if e.unit_id), None)


def _escalations(order: ServiceOrder) -> list[OrderEvent]:
    return [e for e in order.events if e.kind == "escalated"]


def has_notice(order: ServiceOrder) -> bool:
    """Escalated at some time, and on the unit path. The 督办 steps stay on the timeline when a
    new deadline starts escalation over (``escalation_level`` back to 0), and so does the notice."""
    return bool(_escalations(order)) and _last_unit_id(order) is not None


def offered(session: Session, actor: User, order: ServiceOrder) -> bool:
    """Whether the order page links to the notice for this actor."""
    return has_notice(order) and may_dispatch(session, actor, order.community_id)


def _lateness(order: ServiceOrder, now: datetime) -> tuple[datetime | None, timedelta | None]:
    due = deadline(order)
    if due is not None and due < now:
        return due, now - due
    late_steps = [e for e in order.events if e.due is not None and e.at > e.due]
    if not late_steps:
        return due, None
    worst = max(late_steps, key=lambda e: e.at - e.due)
    return worst.due, worst.at - worst.due


def supervision_notice(
    session: Session, actor: User, order_id: int, *, now: datetime | None = None
) -> Notice:
    """The notice, for the request's dispatchers; a request out of the actor's sight, or
    without a notice, is ``NotFound``; one they see but do not dispatch, ``Forbidden``."""
    order = get_order(session, actor, order_id)
    if not has_notice(order):
        raise NotFound()
    if not may_dispatch(session, actor, order.community_id):
        raise Forbidden()
    now = now or utcnow()
    due, late = _lateness(order, now)
    return Notice(
        order=order,
        unit=session.get(Unit, _last_unit_id(order)),
        escalations=_escalations(order),
        due=due,
        late=late,
        issued_at=now,
    )
