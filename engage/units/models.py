"""Units (单位): whatever can own a request — a department, a street, a community, a grid
(its grid worker) or a property company — and the district's departments.

A request will carry one ``handler_unit_id``, so every unit has one row in ``units``
whatever its kind: the ids are unique across kinds and can be a foreign key. Each row
points at exactly one department, street, community, grid or property company (the
column of its ``kind``; the two checks below hold it to that). The row is written in the
same flush as the thing it stands for (``_register_units``), so no creation path can
forget it and no read ever has to write it; the migration filled it for existing rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engage.community.models import Community, District, Grid, PropertyCompany, Street
from points.base import Base, UTCDateTime, utcnow

UNIT_KINDS = ("department", "street", "community", "grid", "property_company")


def _reference_checks() -> tuple[str, str]:
    """The SQL of the two checks: the kind's column is set, and no other one is."""
    column = " ".join(f"WHEN '{kind}' THEN {kind}_id" for kind in UNIT_KINDS)
    count = " + ".join(f"CASE WHEN {kind}_id IS NULL THEN 0 ELSE 1 END" for kind in UNIT_KINDS)
    return f"CASE kind {column} END IS NOT NULL", f"{count} = 1"


KIND_REFERENCE, ONE_REFERENCE = _reference_checks()


class Department(Base):
    """A functional department of the district (城管, 住建, 供电 …). Deactivated rather than
    deleted: requests it handled keep pointing at it."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship()
    unit: Mapped[Unit] = relationship(viewonly=True, primaryjoin="Department.id == Unit.department_id")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(KIND_REFERENCE, name="kind_reference"),
        CheckConstraint(ONE_REFERENCE, name="one_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), unique=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), unique=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), unique=True)
    property_company_id: Mapped[int | None] = mapped_column(ForeignKey("property_companies.id"), unique=True)

    district: Mapped[District] = relationship()
    department: Mapped[Department | None] = relationship()
    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    property_company: Mapped[PropertyCompany | None] = relationship()

    @property
    def name(self) -> str:
        """The name of the department, street, community, grid or company it stands for."""
        return getattr(self, self.kind).name


KIND_OF = {
    Department: "department",
    Street: "street",
    Community: "community",
    Grid: "grid",
    PropertyCompany: "property_company",
}
# How to climb from a row to its district: (relationship, model, foreign key) of its parent.
_PARENT = {
    Department: ("district", District, "district_id"),
    Street: ("district", District, "district_id"),
    Community: ("street", Street, "street_id"),
    Grid: ("community", Community, "community_id"),
    PropertyCompany: (None, Street, "street_id"),
}


def district_of(session: Session, row) -> District:
    """The district a (possibly not yet flushed) hierarchy row belongs to."""
    while not isinstance(row, District):
        attribute, model, key = _PARENT[type(row)]
        row = (getattr(row, attribute) if attribute else None) or session.get(model, getattr(row, key))
    return row


@event.listens_for(Session, "before_flush")
def _register_units(session: Session, _context, _instances) -> None:
    """Each new department, street, community, grid or property company becomes a unit in
    the same flush, so in the same transaction as its creation."""
    for row in list(session.new):
        kind = KIND_OF.get(type(row))
        if kind is not None:
            session.add(Unit(kind=kind, district=district_of(session, row), **{kind: row}))
