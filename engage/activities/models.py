"""Volunteer activities, enrolments and attendance (the service-hours record)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

KINDS = ("volunteer_service", "patrol", "civilization", "theory_lecture", "housekeeping", "other")
MAX_CAPACITY = 10_000


class Activity(Base):
    """``enrolled`` counts taken seats, so one conditional UPDATE can refuse the 6th of 5."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}", name="capacity"),
        CheckConstraint("points_per_hour >= 0 AND points_per_hour <= 1000", name="points"),
        CheckConstraint("enrolled >= 0 AND enrolled <= capacity", name="seats"),
        Index("ix_activities_upcoming", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    points_per_hour: Mapped[int] = mapped_column(Integer)
    waitlist: Mapped[bool] = mapped_column(Boolean, default=True)
    skills: Mapped[str] = mapped_column(String(200), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_teams.id"))
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship()  # noqa: F821


class Enrollment(Base):
    """One volunteer's place in one activity, and their attendance there.

    ``minutes`` is the credited service time: a permanent record, unlike points.
    """

    __tablename__ = "activity_enrollments"
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id"),
        CheckConstraint("status IN ('enrolled', 'waitlisted', 'withdrawn')", name="status"),
        Index("ix_activity_enrollments_volunteer", "volunteer_id", "status"),
        Index("ix_activity_enrollments_queue", "activity_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_nonce: Mapped[str | None] = mapped_column(String(32))
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)
    points_awarded: Mapped[int | None] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    activity: Mapped[Activity] = relationship()
    volunteer: Mapped[User] = relationship()  # noqa: F821


class AttendanceCorrection(Base):
    """A staff change to someone's attendance, with the reason: hours are a
    permanent record, so every change to them is kept."""

    __tablename__ = "attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("activity_enrollments.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    minutes_before: Mapped[int | None] = mapped_column(Integer)
    minutes_after: Mapped[int] = mapped_column(Integer)
    points_delta: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()  # noqa: F821
