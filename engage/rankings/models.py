"""红色物业 evaluation: criteria and their weights per street, staff scores per period, and
published rankings frozen as snapshots (a republish is a new version; the old one is kept);
the units' rankings: each district's weights and its published rankings, frozen the same
way (engage/rankings/snapshots.py); kept reports and leaderboard tallies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.rankings.snapshots import Snapshot
from points.base import Base, UTCDateTime, utcnow

# The unit rankings' weights, one column each (engage/rankings/unit_rankings.py).
WEIGHTS = ("response", "resolution", "satisfaction", "timeliness")
SOURCES = ("manual", "satisfaction", "response_time", "complaints", "volunteer_hours", "must_arrive")


class Criterion(Base):
    """One thing a company is judged on. ``manual`` ones are scored by staff each period; the
    others are computed from the platform's own data (see rankings.scoring)."""

    __tablename__ = "ranking_criteria"
    __table_args__ = (
        UniqueConstraint("street_id", "code"),
        CheckConstraint("weight >= 0 AND weight <= 100", name="weight"),
        CheckConstraint(
            "source IN ('manual', 'satisfaction', 'response_time', 'complaints', "
            "'volunteer_hours', 'must_arrive')",
            name="source",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    weight: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ManualScore(Base):
    __tablename__ = "ranking_manual_scores"
    __table_args__ = (
        UniqueConstraint("period", "company_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("ranking_criteria.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    scored_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PropertyRanking(Snapshot, Base):
    """A published ranking of one street and period (rankings.snapshots): publishing again
    makes version n+1."""

    __tablename__ = "property_rankings"
    __table_args__ = (UniqueConstraint("street_id", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)

    entries: Mapped[list[RankingEntry]] = relationship(order_by="RankingEntry.rank", back_populates="ranking")


class RankingEntry(Base):
    __tablename__ = "property_ranking_entries"
    __table_args__ = (CheckConstraint("list IS NULL OR list IN ('red', 'yellow')", name="list"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(ForeignKey("property_rankings.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    list: Mapped[str | None] = mapped_column(String(6))
    gold: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON)
    breakdown: Mapped[dict] = mapped_column(JSON)

    ranking: Mapped[PropertyRanking] = relationship(back_populates="entries")


class YellowResponse(Base):
    """A property company's answer to its yellow listing, shown beside it."""

    __tablename__ = "property_yellow_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("property_ranking_entries.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeriodicReport(Base):
    """周小结、月分析、季排名、年考核: a street's figures for a finished period, kept as generated."""

    __tablename__ = "periodic_reports"
    __table_args__ = (
        UniqueConstraint("street_id", "kind", "label"),
        CheckConstraint("kind IN ('week', 'month', 'quarter', 'year')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(10))
    rows: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VolunteerTally(Base):
    """Points earned and minutes served per volunteer per period (``2026-11``, ``2026-Q4``,
    ``2026``, ``all``), rebuilt from the ledger and attendance by ``tick``: leaderboards read
    these instead of summing a million postings per request."""

    __tablename__ = "volunteer_tallies"
    __table_args__ = (
        Index("ix_volunteer_tallies_points", "period", "community_id", "points"),
        Index("ix_volunteer_tallies_minutes", "period", "community_id", "minutes"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)


class UnitRankingWeights(Base):
    """How a district weighs the 三率 and timeliness in its units' rankings (0–100 each, one
    above 0; engage/rankings/unit_rankings.py). No row: the defaults there. Published rankings
    keep the weights they were computed with."""

    __tablename__ = "unit_ranking_weights"
    __table_args__ = (
        *(CheckConstraint(f"{w} >= 0 AND {w} <= 100", name=w) for w in WEIGHTS),
        CheckConstraint(" + ".join(WEIGHTS) + " > 0", name="some_weight"),
    )

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    response: Mapped[int] = mapped_column(Integer)
    resolution: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)
    timeliness: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitRanking(Snapshot, Base):
    """A published ranking of one district's departments, streets or communities for a
    month or quarter (rankings.snapshots): publishing again makes version n+1."""

    __tablename__ = "unit_rankings"
    __table_args__ = (
        UniqueConstraint("district_id", "kind", "period", "version"),
        CheckConstraint("kind IN ('department', 'street', 'community')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))

    entries: Mapped[list[UnitRankingEntry]] = relationship(order_by="UnitRankingEntry.position")


class UnitRankingEntry(Base):
    """One unit as published: its rates and counts then, its score and rank (both null when
    nothing weighed was counted: listed, unranked), in the published order (``position``)."""

    __tablename__ = "unit_ranking_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(ForeignKey("unit_rankings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    response_rate: Mapped[float | None] = mapped_column(Float)
    resolution_rate: Mapped[float | None] = mapped_column(Float)
    satisfaction_rate: Mapped[float | None] = mapped_column(Float)
    timeliness_rate: Mapped[float | None] = mapped_column(Float)
    figures: Mapped[dict] = mapped_column(JSON)
