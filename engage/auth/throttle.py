"""Login throttling per account and per address, in Flask-Limiter's storage.

Only failed attempts count, so a user who types the right password is never held
up by their own earlier success; the storage is shared by every process (Redis in
production), so the limit holds across gunicorn workers and hosts.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from limits import parse

from engage.errors import RateLimited
from engage.extensions import limiter


def _buckets(username: str, ip: str | None) -> list[tuple]:
    config = current_app.config
    return [(parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), "login-account", (username or "").lower()),
            (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), "login-address", ip or "-")]


def ensure_login_allowed(username: str, ip: str | None) -> None:
    for item, *keys in _buckets(username, ip):
        if not limiter.limiter.test(item, *keys):
            raise RateLimited(_("登录失败次数过多，请稍后再试。"))


def count_failed_login(username: str, ip: str | None) -> None:
    for item, *keys in _buckets(username, ip):
        limiter.limiter.hit(item, *keys)
