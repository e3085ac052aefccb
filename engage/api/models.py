"""Stored first answers of idempotent API calls (docs/api.md "Conventions")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from points.base import Base, UTCDateTime, utcnow


class IdempotentRequest(Base):
    """One row per (caller, key): the request's fingerprint and the answer it got.

    The row is written in the same transaction as the work it answers for, so a key
    is either unused or carries the committed outcome; never half of it.
    """

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column()
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
