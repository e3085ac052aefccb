"""The district's dashboard comparing units (区级看板), month by month: the command centre
compares its streets and departments; a street admin — or the command centre looking into
one street — compares the street's communities.

Rows:

- a district: one row per street, then one per department;
- a street: one row per community, then the street office itself, then one per property
  company of the street.

A row's units: a street's row has the street's unit and every unit under it (its
communities, their grids, the street's property companies); a community's row its unit and
its grids'; a department, the street office and a property company their own unit.

Per row:

- **received, the 三率, overdue, escalated** (and the other counts of
  engage/orders/appraisal.py): the sums of appraisal's counts of the row's units
  (``appraisal.tallies``); the rates are taken of the sums.
- **solved per level** (小事不出网格、大事不出社区、难事不出街道): engage/orders/levels.py's count
  of the requests of the row's place — a street's communities, a community itself — closed
  in the month, by the level they were solved at, and each level's share of them. A
  department, the street office and a property company have no place of their own: none.

The **total** has the rows' counts summed (each unit of the district, or of the street,
counted once) and the solved-per-level of the whole place (the district, the street).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engage.auth.models import User
from engage.community.models import Community, Grid, PropertyCompany, Street
from engage.errors import Forbidden, NotFound
from engage.orders import appraisal, levels
from engage.orders.appraisal import Tally
from engage.periods import Period
from engage.scope import scope_of
from engage.units.models import Department, Unit


class _Placed(NamedTuple):
    """A unit, its name, and the street and community it lies in (none for a department)."""

    id: int
    kind: str
    name: str
    street_id: int | None
    community_id: int | None


@dataclass(frozen=True)
class Row:
    kind: str  # the unit's, or "total"
    unit_id: int | None
    name: str
    tally: Tally
    solved: Counter | None  # by level; None: no place of its own
    street_id: int | None = None  # the street it lies in (a department, the total: none)

    @property
    def solved_total(self) -> int | None:
        return None if self.solved is None else sum(self.solved.values())

    @property
    def shares(self) -> dict[str, float | None] | None:
        return None if self.solved is None else levels.shares(self.solved)

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "unit_id": self.unit_id,
            "name": self.name,
            "street_id": self.street_id,
            **self.tally.as_json(),
            "solved": None if self.solved is None else {level: self.solved[level] for level in levels.LEVELS},
            "solved_shares": self.shares,
        }


@dataclass(frozen=True)
class Comparison:
    period: Period
    street_id: int | None  # the street looked into; None: the whole district
    rows: list[Row]
    total: Row

    def as_json(self) -> dict:
        """The API's shape (docs/api.md ``GET /units/comparison``)."""
        return {
            "period": self.period.label,
            "street_id": self.street_id,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def compare_units(
    session: Session,
    actor: User,
    period: Period,
    *,
    street_id: int | None = None,
    now: datetime | None = None,
) -> Comparison:
    """The command centre: its district's streets and departments, or with ``street_id`` one
    of its streets' communities; a street admin: their street's communities (another street
    → ``NotFound``). Anyone else is ``Forbidden``."""
    scope = scope_of(session, actor)
    if "district_admin" in scope.roles and scope.district_id is not None:
        if street_id is None:
            return _district(session, scope.district_id, period, now)
        street = session.get(Street, street_id)
        if street is None or street.district_id != scope.district_id:
            raise NotFound()
        return _street(session, street, period, now)
    if "admin" in scope.roles and scope.street_id is not None:
        if street_id not in (None, scope.street_id):
            raise NotFound()
        return _street(session, session.get(Street, scope.street_id), period, now)
    raise Forbidden()


def _units(session: Session, district_id: int) -> list[_Placed]:
    """Every unit of the district with its name, street and community, in one statement."""
    grid_community = aliased(Community)
    name = func.coalesce(Department.name, Street.name, Community.name, Grid.name, PropertyCompany.name)
    street = func.coalesce(
        Unit.street_id, Community.street_id, grid_community.street_id, PropertyCompany.street_id
    )
    rows = session.execute(
        select(Unit.id, Unit.kind, name, street, func.coalesce(Unit.community_id, Grid.community_id))
        .outerjoin(Department, Department.id == Unit.department_id)
        .outerjoin(Street, Street.id == Unit.street_id)
        .outerjoin(Community, Community.id == Unit.community_id)
        .outerjoin(Grid, Grid.id == Unit.grid_id)
        .outerjoin(grid_community, grid_community.id == Grid.community_id)
        .outerjoin(PropertyCompany, PropertyCompany.id == Unit.property_company_id)
        .where(Unit.district_id == district_id)
        .order_by(Unit.id)
    )
    return [_Placed(*row) for row in rows]


def _row(unit: _Placed, members: list[_Placed], tallies: dict[int, Tally], solved: Counter | None) -> Row:
    tally = sum((tallies.get(member.id, Tally()) for member in members), Tally())
    return Row(unit.kind, unit.id, unit.name, tally, solved, unit.street_id)


def _sum(found: dict[int, Counter], community_ids) -> Counter:
    return reduce(lambda total, c: total + found.get(c, Counter()), community_ids, Counter())


def _district(session: Session, district_id: int, period: Period, now: datetime | None) -> Comparison:
    units = _units(session, district_id)
    of_district = select(Unit.id).where(Unit.district_id == district_id)
    tallies = appraisal.tallies(session, of_district, period, now=now)
    communities = {u.community_id: u.street_id for u in units if u.kind == "community"}
    places = select(Community.id).join(Street).where(Street.district_id == district_id)
    solved = levels.solved_by_level(session, places, period)
    rows = [
        _row(
            street,
            [u for u in units if u.street_id == street.street_id],
            tallies,
            _sum(solved, [c for c, s in communities.items() if s == street.street_id]),
        )
        for street in units
        if street.kind == "street"
    ] + [_row(u, [u], tallies, None) for u in units if u.kind == "department"]
    return Comparison(period, None, rows, _total(rows, _sum(solved, communities)))


def _street(session: Session, street: Street, period: Period, now: datetime | None) -> Comparison:
    units = [u for u in _units(session, street.district_id) if u.street_id == street.id]
    tallies = appraisal.tallies(session, [u.id for u in units], period, now=now)
    communities = [u.community_id for u in units if u.kind == "community"]
    solved = levels.solved_by_level(session, communities, period)
    rows = [
        _row(
            u, [m for m in units if m.community_id == u.community_id], tallies, _sum(solved, [u.community_id])
        )
        for u in units
        if u.kind == "community"
    ] + [_row(u, [u], tallies, None) for u in units if u.kind in ("street", "property_company")]
    return Comparison(period, street.id, rows, _total(rows, _sum(solved, communities)))


def _total(rows: list[Row], solved: Counter) -> Row:
    return Row("total", None, "", sum((row.tally for row in rows), Tally()), solved)
