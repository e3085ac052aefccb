"""Errors the ledger raises; the application maps them to answers."""


class LedgerError(Exception):
    """Base of every ledger error."""


class InsufficientPoints(LedgerError):
    """The account would go below zero."""


class IdempotencyMismatch(LedgerError):
    """The same idempotency key was used for different content."""
