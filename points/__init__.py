"""The points ledger: double-entry, append-only, idempotent.

A plain SQLAlchemy 2.x library. It imports neither Flask nor ``engage`` nor
``marketplace``; they import it. Everything a caller needs is exported here.
"""

from points import schema as _schema  # noqa: F401 - installs the DDL guards on create_all
from points.base import Base, UTCDateTime, utcnow
from points.errors import (
    AlreadyReversed,
    HoldNotPending,
    IdempotencyMismatch,
    InsufficientPoints,
    InvalidAmount,
    LedgerError,
    RepeatedAccount,
    UnbalancedTransaction,
)
from points.expiry import EXPIRED_ACCOUNT, expire_points
from points.holds import expire_holds, hold, post_hold, void_hold
from points.ledger import Balance, balance, may_go_negative, post, reverse, transfer
from points.models import Account, Hold, Posting, Seal, Transaction
from points.seals import seal, seal_if_due
from points.statements import Line, statement, statement_count
from points.verify import verify

__all__ = [
    "Account",
    "AlreadyReversed",
    "Balance",
    "Base",
    "EXPIRED_ACCOUNT",
    "Hold",
    "HoldNotPending",
    "IdempotencyMismatch",
    "InsufficientPoints",
    "InvalidAmount",
    "LedgerError",
    "Line",
    "Posting",
    "RepeatedAccount",
    "Seal",
    "Transaction",
    "UTCDateTime",
    "UnbalancedTransaction",
    "balance",
    "expire_holds",
    "expire_points",
    "hold",
    "may_go_negative",
    "post",
    "post_hold",
    "reverse",
    "seal",
    "seal_if_due",
    "statement",
    "statement_count",
    "transfer",
    "utcnow",
    "verify",
    "void_hold",
]
