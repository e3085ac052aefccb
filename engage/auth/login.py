"""Flask-Login wired to server-side sessions.

The cookie carries a random session token (as Flask-Login's user id); the user is
loaded only while its ``auth_sessions`` row is live, so logout, a password change or
disabling the account ends the session everywhere at once.
"""

from __future__ import annotations

from flask import Flask, flash, g, redirect, request, url_for
from flask_babel import gettext as _
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
    app.before_request(_insist_on_new_password)


# What an account that must choose a new password may still open: that page, signing out, the
# language switch and the static files. The API has its own check (``engage.api.core``).
WHILE_CHOOSING_PASSWORD = frozenset({"recovery.new_password", "auth.logout", "auth.language", "static"})


def _insist_on_new_password():
    """After staff reset a password, every page leads to choosing a new one until it is chosen."""
    if (
        request.endpoint in WHILE_CHOOSING_PASSWORD
        or "api" in request.blueprints
        or not current_user.is_authenticated
        or not current_user.must_change_password
    ):
        return None
    flash(_("您的密码已由工作人员重置，请先设置新密码。"), "info")
    return redirect(url_for("recovery.new_password"))


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
