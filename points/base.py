"""The one declarative base for every table of Engage.

It lives in ``points`` because the ledger must not import Flask or the application,
yet the ledger's tables and the application's must share one MetaData so that a
single Alembic history covers them all. ``engage.extensions`` hands this class to
Flask-SQLAlchemy as its ``model_class``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now in UTC; used as a *callable* column default."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime that is always stored and returned as aware UTC.

    SQLite drops the offset of a ``DateTime(timezone=True)``; this type puts it back,
    so code never has to guess whether a value read from the database is naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by points/, marketplace/ and engage/."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
