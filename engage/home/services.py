"""What the home page shows each role; one section per role the user holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.activities.attendance import service_minutes
from engage.auth.models import User
from engage.community.models import Compound, Grid, Household, MicroGrid
from engage.community.services import communities_in_scope, micro_grids_served_by
from engage.ledger.services import points_balance
from engage.orders.queries import open_count
from engage.orders.routing import unit_queue_count
from engage.scope import Scope, scope_of


def home_sections(session: Session, user: User) -> dict[str, dict]:
    builders = {
        "resident": _member,
        "volunteer": _member,
        "grid_worker": _grid_worker,
        "staff": _staff,
        "admin": _admin,
        "property_manager": _property_manager,
        "department": _department,
        "district_admin": _district_admin,
    }
    sections = {}
    for role in user.roles:
        if role in builders:
            sections[role] = builders[role](session, user)
    return sections


def account_summary(session: Session, user: User) -> dict:
    """Points balance and service hours, as shown on profiles and ``/api/v1/me``.

    Service hours come from checked-out volunteer activities, in hours.
    """
    return {
        "points_balance": points_balance(session, user),
        "service_hours": round(service_minutes(session, user) / 60, 2),
    }


def _member(session: Session, user: User) -> dict:
    micro_grid = user.micro_grid
    grid_worker = micro_grid.grid.grid_worker if micro_grid else None
    return {"micro_grid": micro_grid, "grid_worker": grid_worker, **account_summary(session, user)}


def _grid_worker(session: Session, user: User) -> dict:
    micro_grids = micro_grids_served_by(session, user)
    counts = dict(
        session.execute(
            select(Household.micro_grid_id, func.count())
            .where(Household.micro_grid_id.in_([m.id for m in micro_grids]))
            .group_by(Household.micro_grid_id)
        ).all()
    )
    return {"micro_grids": micro_grids, "households": counts}


def _count(session: Session, model: type, scope: Scope) -> int:
    return session.scalar(
        select(func.count()).select_from(model).where(scope.administered(model.community_id))
    )


def _staff(session: Session, user: User) -> dict:
    scope = scope_of(session, user)
    counts = {
        name: _count(session, model, scope)
        for name, model in (
            ("grids", Grid),
            ("micro_grids", MicroGrid),
            ("households", Household),
            ("compounds", Compound),
            ("users", User),
        )
    }
    return {
        "counts": counts,
        "queue": open_count(session, user).get("placed", 0),
        "unit_queue": unit_queue_count(session, user),
    }


def _admin(session: Session, user: User) -> dict:
    return {"communities": communities_in_scope(session, user), **_staff(session, user)}


def _property_manager(session: Session, user: User) -> dict:
    compounds = list(
        session.scalars(
            select(Compound)
            .where(Compound.property_company_id == user.property_company_id)
            .order_by(Compound.id)
        )
    )
    return {"compounds": compounds}


def _department(session: Session, user: User) -> dict:
    """A department member starts from their unit's queue (本单位待办)."""
    return {"unit_queue": unit_queue_count(session, user)}


def _district_admin(session: Session, user: User) -> dict:
    """The command centre starts from the district's requests waiting to be routed."""
    return {"queue": open_count(session, user).get("placed", 0)}
