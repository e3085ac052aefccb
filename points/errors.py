"""Errors the ledger raises; the application maps them to answers."""


class LedgerError(Exception):
    """Base of every ledger error."""


class InsufficientPoints(LedgerError):
    """The account would go below zero (counting points held for pending transfers)."""


class IdempotencyMismatch(LedgerError):
    """The same idempotency key was used for different content."""


class UnbalancedTransaction(LedgerError):
    """Postings must be at least two and sum to zero."""


class RepeatedAccount(LedgerError):
    """A transaction names each account once: its balances change in one statement."""


class InvalidAmount(LedgerError):
    """Amounts are non-zero integers (positive for transfers and holds)."""


class HoldNotPending(LedgerError):
    """The held transfer was already posted, voided or expired."""


class AlreadyReversed(LedgerError):
    """A transaction can be reversed once."""
