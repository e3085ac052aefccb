"""Calendar periods in the configured zone: weeks ``2026-W47`` (Monday to Sunday), months
``2026-10``, quarters ``2026-Q4``, years ``2026``; a period runs from its local start to
the next one's (exclusive). Visit duties, reports, rankings and dashboards all count by these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _

from engage.errors import Invalid
from points.base import utcnow

# Year 0 does not exist and 9999's next period would; both ends leave room for a zone's offset.
FIRST_YEAR, LAST_YEAR = 1970, 2999


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def chosen_or_this_month(
    label: str | None, zone: ZoneInfo, *, kinds: tuple[str, ...] = ("month", "quarter", "year")
) -> Period:
    """The period a page's ``?period=`` names, or without one the current month."""
    return parse_label(label, zone, kinds=kinds) if label else containing(utcnow(), "month", zone)


def parse_label(
    label: str, zone: ZoneInfo, *, kinds: tuple[str, ...] = ("month", "quarter", "year")
) -> Period:
    """The period a label names; anything else is ``Invalid`` on the field ``period``."""
    patterns = {"month": r"(\d{4})-(\d{2})", "quarter": r"(\d{4})-Q([1-4])", "year": r"(\d{4})"}
    for kind in kinds:
        match = re.fullmatch(patterns[kind], label or "")
        if (
            match
            and FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR
            and (kind != "month" or 1 <= int(match.group(2)) <= 12)
        ):
            number = int(match.group(2)) if kind != "year" else 1
            first_month = {"month": number, "quarter": (number - 1) * 3 + 1, "year": 1}[kind]
            start = datetime(int(match.group(1)), first_month, 1, tzinfo=zone)
            return Period(start, following_period(start, kind), label)
    shapes = "、".join({"month": "YYYY-MM", "quarter": "YYYY-Qn", "year": "YYYY"}[kind] for kind in kinds)
    raise Invalid(
        _("期间格式无效。"),
        {
            "period": _(
                "需要 %(shapes)s（%(first)d 至 %(last)d 年）。",
                shapes=shapes,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        },
    )


def quarter_of(moment: datetime, zone: ZoneInfo) -> str:
    return containing(moment, "quarter", zone).label


def previous_quarter(label: str) -> str:
    year, quarter = int(label[:4]), int(label[-1])
    return f"{year - 1:04d}-Q4" if quarter == 1 else f"{year:04d}-Q{quarter - 1}"


def period_start(moment: datetime, kind: str, zone: ZoneInfo) -> datetime:
    """Local midnight starting the week, month, quarter or year that holds ``moment``."""
    day = moment.astimezone(zone).date()
    if kind == "week":
        day -= timedelta(days=day.weekday())
    elif kind == "month":
        day = day.replace(day=1)
    elif kind == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    else:
        day = day.replace(month=1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def following_period(start: datetime, kind: str) -> datetime:
    if kind == "week":
        day = start.date() + timedelta(days=7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        index = start.year * 12 + start.month - 1 + months
        day = start.date().replace(year=index // 12, month=index % 12 + 1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=start.tzinfo)


def containing(moment: datetime, kind: str, zone: ZoneInfo) -> Period:
    """The week, month, quarter or year that holds ``moment``, with its label."""
    start = period_start(moment, kind, zone)
    if kind == "week":
        year, week, _day = start.isocalendar()
        label = f"{year:04d}-W{week:02d}"
    elif kind == "month":
        label = f"{start.year:04d}-{start.month:02d}"
    elif kind == "quarter":
        label = f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    else:
        label = f"{start.year:04d}"
    return Period(start, following_period(start, kind), label)


def recent(kind: str, count: int, zone: ZoneInfo, *, now: datetime) -> list[Period]:
    """The last ``count`` periods, oldest first, the current one included."""
    found = [containing(now, kind, zone)]
    while len(found) < count:
        found.insert(0, containing(found[0].start - timedelta(days=1), kind, zone))
    return found


def last_finished(kind: str, now: datetime, zone: ZoneInfo) -> Period:
    return containing(period_start(now, kind, zone) - timedelta(days=1), kind, zone)


def rate(part: int, whole: int) -> float | None:
    """The share of ``part`` in ``whole`` (0–1, four decimals) that reports and dashboards
    show for a period; ``None`` when the whole is zero: no rate rather than 0 %."""
    return round(part / whole, 4) if whole else None
