"""The points mall: where rewards are kept, what they cost, and every redemption."""

from __future__ import annotations

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
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.schema import install_on_create
from points.base import Base, UTCDateTime, utcnow

CATEGORIES = ("goods", "services", "coupon")
LOCATION_KINDS = ("counter", "kiosk")
LIMIT_PERIODS = ("month", "year")
STATUSES = ("awaiting_pickup", "collected", "expired", "refunded")
CHANNELS = ("online", "kiosk")


class Location(Base):
    """A place that holds stock: the service-centre counter, or one kiosk (bound to its device account)."""

    __tablename__ = "mall_locations"
    __table_args__ = (
        CheckConstraint("kind IN ('counter', 'kiosk')", name="kind"),
        Index(
            "uq_mall_locations_counter",
            "community_id",
            unique=True,
            sqlite_where=text("kind = 'counter'"),
            postgresql_where=text("kind = 'counter'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))
    kiosk_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)


class Merchant(Base):
    """A local business that provides rewards (社会资源入驻)."""

    __tablename__ = "mall_merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(80), default="")


class Reward(Base):
    """Something members can buy with points. ``price_points`` changes are checked at
    confirmation, so nobody pays a price they did not see."""

    __tablename__ = "mall_rewards"
    __table_args__ = (
        CheckConstraint("price_points >= 1 AND price_points <= 1000000", name="price"),
        CheckConstraint("category IN ('goods', 'services', 'coupon')", name="category"),
        CheckConstraint("limit_period IS NULL OR limit_period IN ('month', 'year')", name="limit_period"),
        CheckConstraint("limit_per_person IS NULL OR limit_per_person >= 1", name="limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    picture: Mapped[str | None] = mapped_column(String(80))
    price_points: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(10), default="goods")
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("mall_merchants.id"))
    limit_per_person: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(String(5))
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    merchant: Mapped[Merchant | None] = relationship()


class Stock(Base):
    """How many of a reward one location holds; the CHECK is the last line against overselling."""

    __tablename__ = "mall_stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="not_negative"),)

    reward_id: Mapped[int] = mapped_column(ForeignKey("mall_rewards.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("mall_locations.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class StockMovement(Base):
    """Every change of stock and why: restock, redemption, return, correction."""

    __tablename__ = "mall_stock_movements"
    __table_args__ = (Index("ix_mall_stock_movements_place", "location_id", "reward_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("mall_rewards.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("mall_locations.id"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("mall_redemptions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reward: Mapped[Reward] = relationship()
    location: Mapped[Location] = relationship()
    actor: Mapped[User | None] = relationship()  # noqa: F821


class Redemption(Base):
    """Points spent on a reward. Online ones wait for pickup at the counter with a code;
    kiosk ones are handed out at once. ``client_ref`` lets a kiosk resubmit its queue."""

    __tablename__ = "mall_redemptions"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("status IN ('awaiting_pickup', 'collected', 'expired', 'refunded')", name="status"),
        CheckConstraint("channel IN ('online', 'kiosk')", name="channel"),
        UniqueConstraint("location_id", "client_ref"),
        Index("ix_mall_redemptions_member", "member_id", "reward_id", "created_at"),
        Index("ix_mall_redemptions_pending", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("mall_rewards.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("mall_locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points_spent: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    pickup_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    client_ref: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refund_reason: Mapped[str | None] = mapped_column(String(200))

    reward: Mapped[Reward] = relationship()
    location: Mapped[Location] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])  # noqa: F821


event.listen(Redemption.__table__, "after_create", install_on_create)  # its sales' stock movements


class MemberCard(Base):
    """Member number and PIN for the kiosk keypad. The number is random (not the user id),
    so it cannot be guessed from another member's."""

    __tablename__ = "mall_member_cards"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    member_no: Mapped[str] = mapped_column(String(10), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(256))


class PinLockout(Base):
    """Wrong PINs typed for one member at one kiosk. Kept per kiosk, so a stranger guessing
    at one kiosk cannot lock the member out at another; each lock lasts twice as long as
    the one before (``strikes``) until a right PIN."""

    __tablename__ = "mall_pin_lockouts"
    __table_args__ = (CheckConstraint("failed_attempts >= 0 AND strikes >= 0", name="counts"),)

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedMemberCode(Base):
    """A member code may be used once: its nonce is kept until long after it expired."""

    __tablename__ = "mall_used_member_codes"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
