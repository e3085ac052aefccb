"""The "468" duties: 4 必到 events, 6 必清 household checks, 8 必访 care targets and visits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

CATEGORIES = (
    "hardship",
    "elderly_alone",
    "left_behind_child",
    "troubled_youth",
    "disabled_family",
    "mental_illness",
    "petitioner",
    "religious",
)
RESTRICTED = ("mental_illness", "petitioner", "religious")
FREQUENCIES = ("week", "month", "quarter")
VISIT_KINDS = ("home", "phone", "video", "other")
EVENT_KINDS = ("emergency", "family_accident", "important_request", "neighbour_dispute")
URGENT_EVENT_KINDS = ("emergency", "family_accident")
CHECK_ITEMS = ("basic", "population", "facilities", "risks", "needs", "hot_issues")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CareTarget(Base):
    """A person the grid worker must visit (8 必访). ID numbers, and the notes of the
    restricted categories, are stored encrypted; lists only ever show masked fields."""

    __tablename__ = "care_targets"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint("frequency IS NULL OR " + _in("frequency", FREQUENCIES), name="frequency"),
        Index("ix_care_targets_due", "community_id", "active", "next_visit_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    assigned_worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    address: Mapped[str] = mapped_column(String(200), default="")
    id_number_cipher: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_cipher: Mapped[str | None] = mapped_column(Text)
    frequency: Mapped[str | None] = mapped_column(String(8))
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_visit_due: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grid: Mapped[Grid] = relationship()  # noqa: F821
    assigned_worker: Mapped[User] = relationship()  # noqa: F821


class CarePolicy(Base):
    """How often a category must be visited in one community (defaults in duties.schedule)."""

    __tablename__ = "care_policies"
    __table_args__ = (CheckConstraint(_in("frequency", FREQUENCIES), name="frequency"),)

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8))


class SensitiveGrant(Base):
    """Who may see the restricted categories (精神病人, 信访人员, 信教群众) besides the assigned worker."""

    __tablename__ = "care_sensitive_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(Base):
    """One entry of the 百家事簿: who visited whom, when, how, what was found, what follows."""

    __tablename__ = "care_visits"
    __table_args__ = (
        CheckConstraint(_in("kind", VISIT_KINDS), name="kind"),
        Index("ix_care_visits_target", "target_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("care_targets.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(8))
    found: Mapped[str] = mapped_column(Text, default="")
    found_cipher: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("service_orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    worker: Mapped[User] = relationship()  # noqa: F821
    target: Mapped[CareTarget] = relationship()


class DutyEvent(Base):
    """A 4 必到 event: the grid worker must arrive by ``arrive_by``, then handle and close it."""

    __tablename__ = "duty_events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        CheckConstraint("status IN ('reported', 'arrived', 'handled', 'closed')", name="status"),
        Index("ix_duty_events_open", "community_id", "status", "arrive_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    responsible_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    arrive_by: Mapped[datetime] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handling_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="reported")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("service_orders.id"))

    grid: Mapped[Grid] = relationship()  # noqa: F821
    responsible_worker: Mapped[User | None] = relationship(foreign_keys=[responsible_worker_id])  # noqa: F821


class HouseholdCheck(Base):
    """When one of the six 必清 items of a household was last confirmed, and by whom."""

    __tablename__ = "household_checks"
    __table_args__ = (
        CheckConstraint(_in("item", CHECK_ITEMS), name="item"),
        UniqueConstraint("household_id", "item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    item: Mapped[str] = mapped_column(String(12))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")


class DutyReminder(Base):
    """一天一提醒: at most one reminder of due visits per worker per local day."""

    __tablename__ = "duty_reminders"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class DutyReport(Base):
    """一周一通报、一月一点评: a community's 4/6/8 figures for a finished week or month, kept as
    generated so later corrections do not rewrite what was reported."""

    __tablename__ = "duty_reports"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "label"),
        CheckConstraint("kind IN ('week', 'month')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(5))
    label: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
