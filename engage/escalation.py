"""督办: raising an overdue item's escalation level, shared by orders and 必到 events."""

from __future__ import annotations

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from engage.duties.models import DutyEvent
from engage.orders.models import ServiceOrder


def raise_level(
    session: Session,
    model: type[ServiceOrder | DutyEvent],
    row_id: int,
    level: int,
    *still: ColumnElement[bool],
) -> bool:
    """Raise the row to ``level`` if it is below it, by one conditional UPDATE, so two ``tick``
    runs at once raise (and notify) each level once. ``still``: what the caller judged the row
    by (its status, its deadline), which must not have changed since it was read — a request
    reassigned meanwhile starts over and is not raised for its previous unit's lateness. The
    loaded row is updated too. True when this call raised it."""
    raised = (
        update(model)
        .where(model.id == row_id, model.escalation_level < level, *still)
        .values(escalation_level=level)
    )
    return session.execute(raised).rowcount == 1
