"""The community hierarchy: District → Street → Community → Grid → MicroGrid → Household,
plus the compounds and the property companies that serve them.

``community_id`` is kept on every level below Community so that every query can be
scoped by tenant with one indexed column (docs/design.md rule 4, scope); services keep it
consistent with the parent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

COMMUNITY_KINDS = ("urban", "village")


class District(Base):
    """The tenant root (区 / 县级市): runs the command centre; streets and departments hang off it."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    streets: Mapped[list[Street]] = relationship(back_populates="district", order_by="Street.id")


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street", order_by="Community.id")


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (CheckConstraint("kind IN ('urban', 'village')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10), default="urban")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    street: Mapped[Street] = relationship(back_populates="communities")


class Grid(Base):
    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    grid_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True), index=True)

    community: Mapped[Community] = relationship()
    grid_worker: Mapped[User | None] = relationship(foreign_keys=[grid_worker_id])  # noqa: F821
    micro_grids: Mapped[list[MicroGrid]] = relationship(back_populates="grid", order_by="MicroGrid.id")


class MicroGrid(Base):
    """About 50 households; its QR poster opens the order form (一码通办)."""

    __tablename__ = "micro_grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    leader_name: Mapped[str | None] = mapped_column(String(50))
    # The compound whose buildings the micro-grid covers: how orders reach a property company.
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)

    grid: Mapped[Grid] = relationship(back_populates="micro_grids")


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (CheckConstraint("size >= 1 AND size <= 50", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    micro_grid_id: Mapped[int] = mapped_column(ForeignKey("micro_grids.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    size: Mapped[int] = mapped_column(Integer, default=1)

    micro_grid: Mapped[MicroGrid] = relationship()


class PropertyCompany(Base):
    """Property-management company; evaluated street-wide (红黄榜)."""

    __tablename__ = "property_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(11))


class Compound(Base):
    __tablename__ = "compounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    property_company_id: Mapped[int | None] = mapped_column(ForeignKey("property_companies.id"), index=True)

    property_company: Mapped[PropertyCompany | None] = relationship()
