"""Signing in, shared by the login page and the token endpoint.

Throttling and the audit trail belong to the adapters (they know the caller's
address); the credential check itself is ``services.authenticate``.
"""

from __future__ import annotations

from flask import request

from engage.audit.services import record_auth_event
from engage.auth.models import User
from engage.auth.services import authenticate, find_user
from engage.auth.throttle import count_failed_login, ensure_login_allowed
from engage.errors import InvalidCredentials, RateLimited
from engage.extensions import db


def check_credentials(username: str, password: str) -> User:
    """The user, or an error; its audit row is kept whatever the request's outcome."""
    ip = request.remote_addr
    user = find_user(db.session, username)
    account = user.username if user else username
    try:
        ensure_login_allowed(account, ip)
        return authenticate(user, password)
    except RateLimited:
        record_failure("login_rate_limited", username)
        raise
    except InvalidCredentials:
        count_failed_login(account, ip)
        record_failure("login_failed", username)
        raise


def record(user: User, event: str, detail: str | None = None) -> None:
    """An event inside the caller's unit of work (it commits with it)."""
    record_auth_event(db.session, event, user=user, ip=request.remote_addr, detail=detail)


def record_failure(event: str, username: str) -> None:
    """A refused sign-in, kept whatever the request's outcome."""
    # As typed, but bounded, and without a NUL, which PostgreSQL refuses in text.
    record_auth_event(db.session, event, username=username.replace("\x00", "")[:64], ip=request.remote_addr)
