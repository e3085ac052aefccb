"""Checks every capability's services apply to raw input (form or JSON) before using it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

from engage.errors import Invalid


def whole(value, field: str, low: int, high: int) -> int:
    """An int in [low, high]; JSON's true, 2.5 and "5" are refused, not coerced."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid.field(field, _("必须是 %(low)d 到 %(high)d 之间的整数。", low=low, high=high))
    return value


def text(value, field: str, limit: int, *, required: bool = True) -> str:
    value = (str(value) if value is not None else "").strip()
    if (required and not value) or len(value) > limit:
        raise Invalid.field(field, _("请填写此项（最多%(n)d字）。", n=limit))
    return value
