"""Checks every capability's services apply to raw input (form or JSON) before using it.

The database's narrowest integer column (PostgreSQL ``integer``) bounds every id and
count we accept, so an oversized number is refused here instead of overflowing in the
driver; JSON's loose types (``"4"``, ``[4]``, ``4.5``, ``"false"``) are refused rather
than coerced, so a malformed call cannot pay the wrong person.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _
from werkzeug.routing import IntegerConverter, Map

from engage.errors import Invalid

DB_INT_MAX = 2**31 - 1
# Far enough from datetime's limits that a zone offset or a series of weekly repeats stays
# representable; no activity, visit or sale of this app lies outside it.
EARLIEST, LATEST = datetime(1970, 1, 2, tzinfo=UTC), datetime(2999, 12, 1, tzinfo=UTC)
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class DatabaseInt(IntegerConverter):
    """``<int:…>`` path segments limited to what an id column holds: a larger number
    matches no route (404) instead of reaching the database driver (500). Registered as
    the ``int`` converter, so every route with an id gets it."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = DB_INT_MAX,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def whole(value, field: str, low: int, high: int) -> int:
    """An int in [low, high]; JSON's true, 2.5 and "5" are refused, not coerced."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid.field(field, _("必须是 %(low)d 到 %(high)d 之间的整数。", low=low, high=high))
    return value


def identifier(value, field: str, *, required: bool = True) -> int | None:
    """A row id from JSON: a positive int within the database's range (None when optional and absent)."""
    if value is None and not required:
        return None
    return whole(value, field, 1, DB_INT_MAX)


def query_id(raw: str) -> int:
    """``type=`` for ``request.args.get``: a ValueError (so the default applies) beyond the id range."""
    value = int(raw)
    if not 1 <= value <= DB_INT_MAX:
        raise ValueError(raw)
    return value


def flag(value, field: str, default: bool) -> bool:
    """A JSON boolean; the string "false" would otherwise be read as true."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid.field(field, _("必须是 true 或 false。"))
    return value


def storable(value: str, field: str) -> str:
    """Text the databases can store: no NUL (PostgreSQL refuses it) and no lone surrogate."""
    if _UNSTORABLE.search(value):
        raise Invalid.field(field, _("包含无法保存的字符。"))
    return value


def storable_tree(value, field: str) -> None:
    """Every string in a JSON value (keys too) storable, walked without recursion (the
    parser already bounded its depth); errors name ``field``, the top-level one."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            storable(item, field)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def text(value, field: str, limit: int, *, required: bool = True) -> str:
    """A string (an object or a number is refused, not stored as its repr), trimmed."""
    if value is not None and not isinstance(value, str):
        raise Invalid.field(field, _("必须是文字。"))
    value = storable((value or "").strip(), field)
    if (required and not value) or len(value) > limit:
        raise Invalid.field(field, _("请填写此项（最多%(n)d字）。", n=limit))
    return value


def choice(value, field: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, exactly (no trimming, no case folding)."""
    if value not in choices:
        raise Invalid.field(field, _("可选值：%(values)s。", values="、".join(choices)))
    return value


def optional_string(value, field: str) -> str | None:
    """A string or nothing, for services that apply their own length rules."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid.field(field, _("必须是文字。"))
    return storable(value, field)


def moment(value, field: str) -> datetime:
    """An ISO 8601 time with its offset, within the years the app can compute with."""
    try:
        found = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None or found.tzinfo is None or not EARLIEST <= found <= LATEST:
        raise Invalid.field(field, _("需要带时区的 ISO 8601 时间（1970 至 2999 年）。"))
    return found
