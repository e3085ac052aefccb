"""SMS verification codes and the counters that limit how often a phone or a client
address may ask for one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from points.base import Base, UTCDateTime, utcnow

PURPOSES = ("login", "reset", "intake")


class SmsCode(Base):
    """One code sent to one phone for one purpose. Only an HMAC of the code is kept; it is
    good until ``expires_at``, for one use (``used_at``) and a few tries (``attempts``)."""

    __tablename__ = "sms_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('login', 'reset', 'intake')", name="purpose"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # Checking a code reads the newest of its phone and purpose.
        Index("ix_sms_codes_phone_purpose", "phone", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(11))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))


class SmsCodeLimit(Base):
    """How many codes one phone (``phone:…``) or one client address (``ip:…``) was sent in
    the day that began at ``day_start``, and when the last one went out."""

    __tablename__ = "sms_code_limits"
    __table_args__ = (CheckConstraint("sent >= 0", name="sent"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day_start: Mapped[datetime] = mapped_column(UTCDateTime)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
