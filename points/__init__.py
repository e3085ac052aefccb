"""The points ledger: double-entry, append-only, idempotent.

A plain SQLAlchemy 2.x library. It imports neither Flask nor ``engage`` nor
``marketplace``; they import it.
"""
from points.base import Base, UTCDateTime, utcnow

__all__ = ["Base", "UTCDateTime", "utcnow"]
