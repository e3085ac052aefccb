"""Login throttling per account and per address, counted in the ``limits`` library's
storage at ``RATELIMIT_STORAGE_URI``.

The per-account counter is keyed by the account the typed name found (its username, in
lower case), else by the typed name trimmed and in lower case, so no other spelling of an
account (spaces, case, its phone number) gets a fresh counter. Keys are capped in length:
whatever a client sends, the storage holds nothing longer than ``MAX_KEY_CHARS``.

Only failed attempts count, so a user who types the right password is never held
up by their own earlier success. With Redis (production) the storage is shared, so the
limit holds across gunicorn workers and hosts; the default ``memory://`` counts per process. Nothing else is
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
MAX_KEY_CHARS = 64  # the longest username, and longer than any IPv6 address


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = FixedWindowRateLimiter(
        storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    )


def _counts() -> FixedWindowRateLimiter:
    return current_app.extensions[_EXTENSION]


def _key(text: str) -> str:
    return text.strip().lower()[:MAX_KEY_CHARS]


def _buckets(account: str, ip: str | None) -> list[tuple]:
    config = current_app.config
    return [
        (parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), "login-account", _key(account)),
        (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), "login-address", _key(ip or "-")),
    ]


def ensure_login_allowed(account: str, ip: str | None) -> None:
    """``account``: the username of the account found, else the name as typed."""
    for item, *keys in _buckets(account, ip):
        if not _counts().test(item, *keys):
            raise RateLimited(_("登录失败次数过多，请稍后再试。"))


def count_failed_login(account: str, ip: str | None) -> None:
    for item, *keys in _buckets(account, ip):
        _counts().hit(item, *keys)
