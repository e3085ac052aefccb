"""Reporting periods in the configured zone: months ``2026-10``, quarters ``2026-Q4``,
years ``2026``; a period runs from its local start to the next one's (exclusive)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _

from engage.errors import Invalid


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def _month(year: int, month: int, zone: ZoneInfo) -> datetime:
    index = year * 12 + month - 1
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=zone)


def parse_label(label: str, zone: ZoneInfo, *, kinds: tuple[str, ...] = ("month", "quarter", "year")) -> Period:
    """The period a label names; anything else is ``Invalid`` on the field ``period``."""
    patterns = {"month": r"(\d{4})-(\d{2})", "quarter": r"(\d{4})-Q([1-4])", "year": r"(\d{4})"}
    for kind in kinds:
        match = re.fullmatch(patterns[kind], label or "")
        if match and (kind != "month" or 1 <= int(match.group(2)) <= 12):
            year = int(match.group(1))
            if kind == "month":
                start, months = _month(year, int(match.group(2)), zone), 1
            elif kind == "quarter":
                start, months = _month(year, (int(match.group(2)) - 1) * 3 + 1, zone), 3
            else:
                start, months = _month(year, 1, zone), 12
            return Period(start, _month(start.year, start.month + months, zone), label)
    shapes = "、".join({"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}[kind] for kind in kinds)
    raise Invalid(_("期间格式无效。"), {"period": _("需要 %(shapes)s。", shapes=shapes)})


def quarter_of(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.year:04d}-Q{(local.month - 1) // 3 + 1}"


def previous_quarter(label: str) -> str:
    year, quarter = int(label[:4]), int(label[-1])
    return f"{year - 1:04d}-Q4" if quarter == 1 else f"{year:04d}-Q{quarter - 1}"
