"""Login throttling per account and per address, counted in the ``limits`` library's
storage at ``RATELIMIT_STORAGE_URI``.

Only failed attempts count, so a user who types the right password is never held
up by their own earlier success; the storage is shared by every process (Redis in
production), so the limit holds across gunicorn workers and hosts. Nothing else is
rate limited, so no per-request hook runs: only a login looks at the counts.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import gettext as _
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from engage.errors import RateLimited

_EXTENSION = "engage.login_throttle"


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))


def _counts() -> FixedWindowRateLimiter:
    return current_app.extensions[_EXTENSION]


def _buckets(username: str, ip: str | None) -> list[tuple]:
    config = current_app.config
    return [(parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), "login-account", (username or "").lower()),
            (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), "login-address", ip or "-")]


def ensure_login_allowed(username: str, ip: str | None) -> None:
    for item, *keys in _buckets(username, ip):
        if not _counts().test(item, *keys):
            raise RateLimited(_("登录失败次数过多，请稍后再试。"))


def count_failed_login(username: str, ip: str | None) -> None:
    for item, *keys in _buckets(username, ip):
        _counts().hit(item, *keys)
