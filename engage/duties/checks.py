"""6 必清: for each household, when each of the six kinds of information was last confirmed."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.community.models import Grid, Household, MicroGrid
from engage.duties.models import CHECK_ITEMS, HouseholdCheck
from engage.errors import Forbidden, Invalid, NotFound
from engage.persistence import upsert
from engage.scope import scope_of
from engage.validation import text
from points.base import utcnow


def household_in_scope(session: Session, actor: User, household_id: int) -> Household:
    """The grid worker of the household's grid, or the community's staff."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound()
    grid = session.get(Grid, session.get(MicroGrid, household.micro_grid_id).grid_id)
    if actor.has_role(*STAFF_ROLES) and scope_of(session, actor).administers(household.community_id):
        return household
    if actor.has_role("grid_worker") and grid.grid_worker_id == actor.id:
        return household
    if actor.has_role("grid_worker", *STAFF_ROLES):
        raise NotFound()
    raise Forbidden()


def checklist(
    session: Session, actor: User, household_id: int
) -> tuple[Household, dict[str, HouseholdCheck | None]]:
    household = household_in_scope(session, actor, household_id)
    found = {
        c.item: c
        for c in session.scalars(select(HouseholdCheck).where(HouseholdCheck.household_id == household.id))
    }
    return household, {item: found.get(item) for item in CHECK_ITEMS}


def confirm(
    session: Session,
    actor: User,
    household_id: int,
    item: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> HouseholdCheck:
    household = household_in_scope(session, actor, household_id)
    if item not in CHECK_ITEMS:
        raise Invalid.field("item", _("未知的必清项目。"))
    return upsert(
        session,
        HouseholdCheck,
        {"household_id": household.id, "item": item},
        {
            "confirmed_at": now or utcnow(),
            "confirmed_by_id": actor.id,
            "note": text(note, "note", 500, required=False),
        },
    )
