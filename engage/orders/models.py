"""Service orders and their timeline, on either of the two paths after 点单: volunteer
service (派单 → 接单 → 完成 → 评单) or a unit's work (分拨 → 签收 → 反馈 → 回访 → 结案, with
退单, 延期 and 吹哨报到)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

VOLUNTEER_STATUSES = ("dispatched", "accepted", "completed")
UNIT_STATUSES = ("assigned", "signed", "replied")
STATUSES = ("placed", *VOLUNTEER_STATUSES, *UNIT_STATUSES, "closed", "cancelled")
OPEN_STATUSES = ("placed", *VOLUNTEER_STATUSES, *UNIT_STATUSES)
CHANNELS = ("app", "qr", "grid_worker", "phone", "hotline_12345")
PRIORITIES = ("normal", "urgent")
SATISFACTIONS = ("satisfied", "basically", "unsatisfied")
EXTENSION_STATUSES = ("pending", "approved", "refused", "void")
# 四流转: the levels a request climbs and is solved at (engage/orders/levels.py).
LEVELS = ("grid", "community", "street", "district")
# Tracking codes: ten characters of an alphabet without 0/O and 1/I (2^50 codes), so a
# code read out over the phone is neither misheard nor guessed.
STEPS = ("dispatch", "accept", "resolve")
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OrderCategory(Base):
    """Configured per community by staff; default points and 1+1+7 deadlines."""

    __tablename__ = "order_categories"
    __table_args__ = (
        UniqueConstraint("community_id", "code"),
        CheckConstraint("points > 0 AND points <= 10000", name="points"),
        CheckConstraint("dispatch_hours > 0 AND accept_hours > 0 AND resolve_hours > 0", name="hours"),
        *(CheckConstraint(f"urgent_{step}_hours > 0", name=f"urgent_{step}_hours") for step in STEPS),
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
    urgent_dispatch_hours: Mapped[int] = mapped_column(Integer, default=2)
    urgent_accept_hours: Mapped[int] = mapped_column(Integer, default=2)
    urgent_resolve_hours: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def hours(self, step: str, priority: str) -> int:
        """The hours a request of this priority gets for one step: ``dispatch`` (派单 or
        分拨), ``accept`` (接单, or 签收 on the unit path) or ``resolve`` (办结)."""
        return getattr(self, f"urgent_{step}_hours" if priority == "urgent" else f"{step}_hours")


class ServiceOrder(Base):
    __tablename__ = "service_orders"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(f"satisfaction IS NULL OR {_in('satisfaction', SATISFACTIONS)}", name="satisfaction"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        CheckConstraint("escalation_level >= 0 AND escalation_level <= 3", name="escalation"),
        CheckConstraint(f"solved_level IS NULL OR {_in('solved_level', LEVELS)}", name="solved_level"),
        # The staff queue and the volunteer board read by community and status, newest first.
        Index("ix_service_orders_queue", "community_id", "status", "created_at"),
        # The command centre's queues span a district's communities: by status, oldest first.
        Index("ix_service_orders_status_age", "status", "created_at"),
        Index("ix_service_orders_volunteer", "volunteer_id", "status"),
        Index("ix_service_orders_assigned", "assigned_volunteer_id", "status"),
        Index("ix_service_orders_requester", "requester_id", "created_at"),
        # A unit's queue: its requests by status.
        Index("ix_service_orders_handler", "handler_unit_id", "status"),
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
    tracking_code: Mapped[str] = mapped_column(
        String(TRACKING_LENGTH), index=True, unique=True, default=new_tracking_code
    )
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    # 首问负责人: set once, by the first account that took the request in; never changed.
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The unit path: the handling unit (主办), its 签收 deadline, the last callback's
    # answer and how many times an unsatisfied callback sent it back (重办).
    handler_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    sign_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(12))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # The level at which the unit path closed it (小事不出网格 …; engage/orders/levels.py).
    solved_level: Mapped[str | None] = mapped_column(String(10))

    category: Mapped[OrderCategory] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(order_by="OrderEvent.id", back_populates="order")
    first_responder: Mapped[User | None] = relationship(foreign_keys=[first_responder_id])  # noqa: F821
    handler_unit: Mapped[Unit | None] = relationship()  # noqa: F821
    whistles: Mapped[list[OrderWhistle]] = relationship(order_by="OrderWhistle.id")
    extensions: Mapped[list[OrderExtension]] = relationship(order_by="OrderExtension.id")


def deadline(order: ServiceOrder) -> datetime | None:
    """The deadline the order is working against now (1+1+7): 派单 or 分拨, 接单 or 签收, 办结."""
    return {
        "placed": order.dispatch_by,
        "dispatched": order.accept_by,
        "accepted": order.resolve_by,
        "assigned": order.sign_by,
        "signed": order.resolve_by,
    }.get(order.status)


class OrderEvent(Base):
    """The order's timeline: every transition, reminder and escalation (who, when, note).

    On the unit path a step also records the unit it concerned (``unit_id``: the handling
    unit after the step, or for 退单 the unit that returned it) and the deadline the order
    was working against when it was taken (``due``), so the 三率 are counted from the
    timeline alone (engage/orders/appraisal.py). A 督办 step records the level the request
    was escalated to (``level``; engage/orders/levels.py)."""

    __tablename__ = "order_events"
    # A unit's figures read its steps by kind and date.
    __table_args__ = (Index("ix_order_events_unit", "unit_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    level: Mapped[int | None] = mapped_column(Integer)

    order: Mapped[ServiceOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()  # noqa: F821


class OrderExtension(Base):
    """延期: the handling unit asks for more hours; the dispatcher approves or refuses. At
    most one is pending per order (the partial unique index), a second only after a decision."""

    __tablename__ = "order_extensions"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint(_in("status", EXTENSION_STATUSES), name="status"),
        Index(
            "uq_order_extensions_pending",
            "order_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    hours: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrderWhistle(Base):
    """吹哨报到: a unit called in to help with a request (协办), which must report in by
    ``report_by``; the handling unit stays responsible (主办)."""

    __tablename__ = "order_whistles"
    __table_args__ = (UniqueConstraint("order_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    whistled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    report_by: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()  # noqa: F821
