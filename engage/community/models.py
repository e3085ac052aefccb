"""The community hierarchy: District → Street → Community → Grid → MicroGrid → Household,
plus the compounds and the property companies that serve them.

``community_id`` is kept on every level below Community so that every query can be
scoped by tenant with one indexed column (docs/design.md rule 4, scope); services keep it
consistent with the parent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

COMMUNITY_KINDS = ("urban", "village")
# 6 必清, 基本户情 and 人口类别: what kind of household, how it is housed, who its members are.
HOUSEHOLD_TYPES = ("permanent", "floating", "registered_only")
HOUSING_TYPES = ("owned", "rented", "public_rental", "other")
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
MEMBER_CATEGORIES = (
    "party_member",
    "veteran",
    "disabled",
    "subsistence",
    "elderly_alone",
    "left_behind_child",
    "serious_illness",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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
    __table_args__ = (
        CheckConstraint("size >= 1 AND size <= 50", name="size"),
        CheckConstraint(
            "household_type IS NULL OR " + _in("household_type", HOUSEHOLD_TYPES), name="household_type"
        ),
        CheckConstraint("housing_type IS NULL OR " + _in("housing_type", HOUSING_TYPES), name="housing_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    micro_grid_id: Mapped[int] = mapped_column(ForeignKey("micro_grids.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    size: Mapped[int] = mapped_column(Integer, default=1)
    household_type: Mapped[str | None] = mapped_column(String(20))
    housing_type: Mapped[str | None] = mapped_column(String(20))

    micro_grid: Mapped[MicroGrid] = relationship()


class HouseholdMember(Base):
    """One person of a household (人口类别). The ID number is kept encrypted, with its masked
    form beside it for lists; ``categories`` are comma-separated codes of MEMBER_CATEGORIES."""

    __tablename__ = "household_members"
    __table_args__ = (
        UniqueConstraint("household_id", "name"),
        CheckConstraint(_in("relation", RELATIONS), name="relation"),
        CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)", name="birth_year"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(12))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    id_number_cipher: Mapped[str | None] = mapped_column(Text)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    categories: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()


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
