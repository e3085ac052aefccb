"""Service orders: 点单 → 派单 → 接单 → 完成 → 评单, with their timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

STATUSES = ("placed", "dispatched", "accepted", "completed", "closed", "cancelled")
OPEN_STATUSES = ("placed", "dispatched", "accepted", "completed")
CHANNELS = ("app", "qr", "grid_worker", "phone", "hotline_12345")


class OrderCategory(Base):
    """Configured per community by staff; default points and 1+1+7 deadlines."""

    __tablename__ = "order_categories"
    __table_args__ = (
        UniqueConstraint("community_id", "code"),
        CheckConstraint("points > 0 AND points <= 10000", name="points"),
        CheckConstraint("dispatch_hours > 0 AND accept_hours > 0 AND resolve_hours > 0", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    skill: Mapped[str | None] = mapped_column(String(40))
    dispatch_hours: Mapped[int] = mapped_column(Integer, default=24)
    accept_hours: Mapped[int] = mapped_column(Integer, default=24)
    resolve_hours: Mapped[int] = mapped_column(Integer, default=24 * 7)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceOrder(Base):
    __tablename__ = "service_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('placed', 'dispatched', 'accepted', 'completed', 'closed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        CheckConstraint("escalation_level >= 0 AND escalation_level <= 3", name="escalation"),
        # The staff queue and the volunteer board read by community and status, newest first.
        Index("ix_service_orders_queue", "community_id", "status", "created_at"),
        Index("ix_service_orders_volunteer", "volunteer_id", "status"),
        Index("ix_service_orders_assigned", "assigned_volunteer_id", "status"),
        Index("ix_service_orders_requester", "requester_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    micro_grid_id: Mapped[int | None] = mapped_column(ForeignKey("micro_grids.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("order_categories.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="app")
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="placed")
    assigned_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completion_note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(80))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    points_awarded: Mapped[int | None] = mapped_column(Integer)
    dispatch_by: Mapped[datetime] = mapped_column(UTCDateTime)
    accept_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_by: Mapped[datetime] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    reminded_on: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[OrderCategory] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(order_by="OrderEvent.id", back_populates="order")


class OrderEvent(Base):
    """The order's timeline: every transition, reminder and escalation (who, when, note)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    order: Mapped[ServiceOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()  # noqa: F821
