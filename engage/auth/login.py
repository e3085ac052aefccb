"""Flask-Login wired to server-side sessions.

The cookie carries a random session token (as Flask-Login's user id); the user is
loaded only while its ``auth_sessions`` row is live, so logout, a password change or
disabling the account ends the session everywhere at once.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from engage.auth.models import User
from engage.auth.services import resolve_session
from engage.extensions import db, login_manager
from engage.persistence import reading
from engage.scope import Scope, scope_of


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)


def _load_user(token: str) -> User | None:
    with reading(db.session):
        return resolve_session(db.session, token, kind="web")


def current_scope() -> Scope:
    """The tenant scope of whoever this request acts as (the API token's user, else the
    signed-in one), for views and API handlers: worked out on first use, by them or by a
    service, and carried by that user for the rest of the request."""
    return scope_of(db.session, g.api_user if "api_user" in g else current_user)


def client_ip() -> str | None:
    return request.remote_addr
