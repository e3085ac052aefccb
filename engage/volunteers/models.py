"""Volunteer profiles, teams and service-hours certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

GROUPS = ("resident", "party_member", "new_social_class", "new_employment")


class VolunteerProfile(Base):
    """What a volunteer tells the community about themselves.

    ``group`` lets dashboards and rankings break figures down by 新阶层人士,
    新就业群体 (couriers, riders, ride-hailing drivers), 党员 and ordinary residents.
    The ID number is kept encrypted (engage.crypto): only the masked form is shown.
    """

    __tablename__ = "volunteer_profiles"
    __table_args__ = (
        CheckConstraint(
            "volunteer_group IN ('resident', 'party_member', 'new_social_class', 'new_employment')",
            name="volunteer_group",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    volunteer_group: Mapped[str] = mapped_column(String(20), default="resident", index=True)
    availability: Mapped[str] = mapped_column(String(200), default="")
    id_number_cipher: Mapped[str | None] = mapped_column(Text)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()  # noqa: F821


class Team(Base):
    """A volunteer team or organisation of a community (彩虹联盟, 巡防联盟 …)."""

    __tablename__ = "volunteer_teams"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    __tablename__ = "volunteer_team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()


class Certificate(Base):
    """A 志愿服务记录证明 as issued: its content is frozen, so a later scan of the
    QR code shows exactly what was printed, and the signed serial cannot be guessed."""

    __tablename__ = "service_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    minutes: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)

    volunteer: Mapped[User] = relationship()  # noqa: F821


class ServiceHours(Base):
    """Service a volunteer gave before or outside Engage, as another system recorded it (the
    national volunteer system's export: hours by activity and date). Part of the volunteer's
    service record beside credited attendance; never points."""

    __tablename__ = "volunteer_service_hours"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "served_on", "activity"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(100))
    minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="national")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    volunteer: Mapped[User] = relationship()  # noqa: F821
