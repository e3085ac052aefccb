"""三不放过: each month, the units that refused requests (退单), stalled them (超时, 延期) or
left residents unsatisfied (不满意, 重办) — with the counts and the requests behind them —
for the command centre (every unit of its district) and street admins (the units of
their street).

The counts are the units' own figures for the month (engage/orders/appraisal.py), not a
second definition: **returned** is the figures' ``returned`` (退单 steps), **overdue**
their ``overdue`` (receipts that missed a deadline, or are held past one now),
**extended** the 延期 asked (``extended``), **unsatisfied** the figures' ``reopened``
(unsatisfied callbacks, each sending the request back: 重办). A unit is listed when one
of them is above 0, most lapses first; each request behind a count is listed once per
unit with every reason that names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import require_role
from engage.orders.appraisal import steps_behind
from engage.orders.models import ServiceOrder
from engage.periods import Period
from engage.units.services import UnitEntry, overseen_units

# The lapses, as appraisal.py names the counts, in the order pages show them.
LAPSES = ("returned", "overdue", "extended", "reopened")


@dataclass
class Lapses:
    """One unit's lapses in the month and the requests behind them (reasons per request)."""

    unit: UnitEntry
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LAPSES, 0))
    reasons: dict[int, list[str]] = field(default_factory=dict)
    orders: list[ServiceOrder] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def three_nots(session: Session, actor: User, period: Period, *, now: datetime | None = None) -> list[Lapses]:
    """The month's list for the actor's units (``Forbidden`` to anyone but the command
    centre and street admins)."""
    require_role(actor, "district_admin", "admin")
    units = {unit.id: Lapses(unit) for unit in overseen_units(session, actor)}
    for unit_id, order_id, name in steps_behind(session, list(units), period, LAPSES, now=now):
        found = units[unit_id]
        found.counts[name] += 1
        reasons = found.reasons.setdefault(order_id, [])
        if name not in reasons:
            reasons.append(name)
    listed = sorted((u for u in units.values() if u.total), key=lambda u: (-u.total, u.unit.id))
    orders = _orders(session, {order_id for u in listed for order_id in u.reasons})
    for lapses in listed:
        lapses.orders = [orders[order_id] for order_id in sorted(lapses.reasons)]
    return listed


def _orders(session: Session, ids: set[int]) -> dict[int, ServiceOrder]:
    return {
        order.id: order for order in session.scalars(select(ServiceOrder).where(ServiceOrder.id.in_(ids)))
    }
