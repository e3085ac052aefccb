"""Domain errors: what a service raises when it refuses on purpose.

Flask-free, so services, the ledger glue and CLI jobs can raise them without the web
layer; engage/errorhandlers.py turns them into pages and JSON answers in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "invalid_input"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    status, code = 400, "invalid_input"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        """The usual case: one field is wrong, and the message says why."""
        return cls(str(message), {name: str(message)})


class Unauthenticated(DomainError):
    status, code = 401, "unauthenticated"


class InvalidCredentials(DomainError):
    status, code = 401, "invalid_credentials"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class RateLimited(DomainError):
    status, code = 429, "rate_limited"
