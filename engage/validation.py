"""Checks every capability's services apply to raw input (form or JSON) before using it.

The database's narrowest integer column (PostgreSQL ``integer``) bounds every id and
count we accept, so an oversized number is refused here instead of overflowing in the
driver; JSON's loose types (``"4"``, ``[4]``, ``4.5``, ``"false"``) are refused rather
than coerced, so a malformed call cannot pay the wrong person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _
from werkzeug.routing import IntegerConverter, Map

from engage.errors import Invalid

DB_INT_MAX = 2**31 - 1
# Far enough from datetime's limits that a zone offset or a series of weekly repeats stays
# representable; no activity, visit or sale of this app lies outside it.
EARLIEST, LATEST = datetime(1970, 1, 2, tzinfo=UTC), datetime(2999, 12, 1, tzinfo=UTC)
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
MOBILE = re.compile(r"1[3-9]\d{9}")
# The resident identity card's check character (GB 11643, ISO 7064 MOD 11-2).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


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


def phone(value, field: str) -> str:
    """A mainland mobile number, tolerating spaces, dashes and a +86 prefix."""
    digits = re.sub(r"[\s-]", "", value if isinstance(value, str) else "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not MOBILE.fullmatch(digits):
        raise Invalid.field(field, _("请输入正确的11位手机号码。"))
    return digits


def id_number(value, field: str) -> str:
    """A resident identity card number: 17 digits and the check character (upper-case X)."""
    number = value.strip().upper() if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise Invalid.field(field, _("身份证号应为18位。"))
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        raise Invalid.field(field, _("身份证号校验位不正确。"))
    return number


def day(value, field: str) -> date:
    """A calendar date as typed in a sheet: 2024-03-05, 2024/3/5 or 2024.3.5 (or a date already)."""
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    found = (
        re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value.strip())
        if isinstance(value, str)
        else None
    )
    try:
        parsed = date(*(int(part) for part in found.groups())) if found else None
    except ValueError:
        parsed = None
    if parsed is None or not EARLIEST.date() <= parsed <= LATEST.date():
        raise Invalid.field(field, _("请填写日期，如 2024-03-05。"))
    return parsed


def code_or_label(value, field: str, names: Mapping[str, object]) -> str:
    """One code of ``names`` (code → label), given as the code, its label, or the label's short
    form before an explanation in （…）: spreadsheets say 独居老人 where forms send elderly_alone."""
    wanted = value.strip() if isinstance(value, str) else ""
    if wanted in names:
        return wanted
    for code, label in names.items():
        shown = str(label)
        if wanted in (shown, shown.split("（")[0]):
            return code
    raise Invalid.field(
        field, _("可选值：%(values)s。", values="、".join(str(label) for label in names.values()))
    )


def decimal(value, field: str, low: Decimal, high: Decimal) -> Decimal:
    """A number as typed in a sheet (2, 2.5, "1.25"), in [low, high]; never a float's rounding."""
    try:
        number = Decimal(value.strip() if isinstance(value, str) else "x")
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        raise Invalid.field(field, _("必须是 %(low)s 到 %(high)s 之间的数。", low=low, high=high))
    return number
