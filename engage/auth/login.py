"""Flask-Login wired to server-side sessions.

The cookie carries a random session token (as Flask-Login's user id); the user is
loaded only while its ``auth_sessions`` row is live, so logout, a password change or
disabling the account ends the session everywhere at once.
"""

from __future__ import annotations

from flask import Flask, request

from engage.auth.models import User
from engage.auth.services import resolve_session
from engage.extensions import db, login_manager
from engage.persistence import reading


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)


def _load_user(token: str) -> User | None:
    with reading(db.session):
        return resolve_session(db.session, token, kind="web")


def client_ip() -> str | None:
    return request.remote_addr
