"""The outbox: every outbound message (SMS, WeChat) is a row written in the transaction
of the change that causes it, and every try at delivering it is a row of its own.

A message is ``pending`` until a worker claims it (``sending``, with a lease in
``claimed_until``), then ``sent`` or, after the last retry, ``failed``. Its
``idempotency_key`` is unique and is what the adapters hand to providers that accept one,
so a resend after a crash is recognisable as the same message. ``OutboxNotice`` keeps the
key of every notice delivered on a channel, merged ones included, so the same notice is
never queued twice on one channel. ``NotificationPreference`` is who gets what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

CHANNELS = ("sms", "wechat")
STATUSES = ("pending", "sending", "sent", "failed")
OUTCOMES = ("sent", "provider_error", "timeout", "crashed")
TEXT_MAX = 1000
KEY_MAX = 200


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'wechat')", name="channel"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The worker's claim: due pending rows, and sending rows whose lease ran out.
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # Merging a notice into a pending message about the same request.
        Index("ix_outbox_messages_merge", "merge_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(32))
    # None for a message to a phone without an account (an intake SMS code).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(64))  # a phone number or a WeChat openid
    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    params: Mapped[dict | None] = mapped_column(JSON)  # a provider template's parameters
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    merge_key: Mapped[str | None] = mapped_column(String(KEY_MAX))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User | None] = relationship(viewonly=True)  # noqa: F821
    tries: Mapped[list[DeliveryAttempt]] = relationship(order_by="DeliveryAttempt.id", viewonly=True)


class DeliveryAttempt(Base):
    """One try at delivering a message, and how it ended; ``crashed`` is a try whose worker
    died before recording it (its lease ran out)."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('sent', 'provider_error', 'timeout', 'crashed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))
    provider_id: Mapped[str | None] = mapped_column(String(100))  # the provider's id of the sent message


class OutboxNotice(Base):
    """The key of a notice queued on a channel (derived from the notice: recipient, channel,
    kind, page, text and day). Its uniqueness, not a read beforehand, keeps a notice from
    being queued twice on one channel, even after it was merged into another message."""

    __tablename__ = "outbox_notices"

    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationPreference(Base):
    """Who gets what: channels per message kind (beyond the in-app list, which everyone
    gets), quiet hours for SMS and a daily digest of non-urgent notices. No row: the defaults."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("quiet_start BETWEEN 0 AND 23", name="quiet_start"),
        CheckConstraint("quiet_end BETWEEN 0 AND 23", name="quiet_end"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channels: Mapped[dict] = mapped_column(JSON, default=dict)  # kind -> ["sms", "wechat"]
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    # Local hours; None: the deployment's default (NOTIFY_QUIET_HOURS).
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the person signs in through the WeChat mini-program; subscribe messages go there.
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
