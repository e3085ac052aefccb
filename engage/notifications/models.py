"""In-app notifications; other channels (SMS, WeChat) plug in behind ``Channel``.

A notification names the page it points at by route (a Flask endpoint) and arguments,
not by URL: the page that lists it builds the URL, so services never do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from points.base import Base, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The message kind (engage.outbox.labels.NOTICE_KIND_NAMES) that preferences route by.
    kind: Mapped[str] = mapped_column(String(32), default="notice", server_default="notice")
    message: Mapped[str] = mapped_column(String(300))
    route: Mapped[str | None] = mapped_column(String(64))
    route_args: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
