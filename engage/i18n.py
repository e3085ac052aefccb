"""Language and time zone of each request: Chinese first, English second."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, session
from flask_login import current_user


def select_locale() -> str:
    """The language chosen on this device, else the account's, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None)
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_zone() -> ZoneInfo:
    """The configured zone in which days, weeks, months and deadlines are counted."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def from_local(value: datetime | date | None) -> datetime | None:
    """What a form's local date or date-time means in UTC, as the database keeps it
    (a date means the start of that day)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """A stored instant as the naive local date-time a form field shows."""
    return moment.astimezone(local_zone()).replace(tzinfo=None)
