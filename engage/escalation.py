"""督办: raising an overdue item's escalation level, shared by orders and 必到 events."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from engage.duties.models import DutyEvent
from engage.orders.models import ServiceOrder


def raise_level(session: Session, model: type[ServiceOrder | DutyEvent], row_id: int, level: int) -> bool:
    """Raise the row to ``level`` if it is below it, by one conditional UPDATE, so two ``tick``
    runs at once raise (and notify) each level once; the loaded row is updated too. True when
    this call raised it."""
    raised = (
        update(model).where(model.id == row_id, model.escalation_level < level).values(escalation_level=level)
    )
    return session.execute(raised).rowcount == 1
