"""When the next care visit is due.

Policies are calendar periods in the configured zone: "weekly" means at least one
visit in every Monday-to-Sunday week, "monthly" one in every calendar month. A visit
in one period makes the next due by the end of the following period; a target never
visited is due by the end of the current one. Due dates are stored as the UTC instant
the period ends; a target is overdue from that instant on.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_FREQUENCY = {
    "hardship": "month", "elderly_alone": "week", "left_behind_child": "month", "troubled_youth": "month",
    "disabled_family": "month", "mental_illness": "week", "petitioner": "month", "religious": "quarter",
}


def period_start(moment: datetime, frequency: str, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    day = local.date()
    if frequency == "week":
        day -= timedelta(days=day.weekday())
    elif frequency == "month":
        day = day.replace(day=1)
    else:
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def following_period(start: datetime, frequency: str) -> datetime:
    if frequency == "week":
        day = start.date() + timedelta(days=7)
    else:
        months = 1 if frequency == "month" else 3
        index = start.year * 12 + start.month - 1 + months
        day = start.date().replace(year=index // 12, month=index % 12 + 1, day=1)
    return datetime(day.year, day.month, day.day, tzinfo=start.tzinfo)


def next_due(last_visit: datetime | None, frequency: str, zone: ZoneInfo, *, now: datetime) -> datetime:
    current = period_start(last_visit or now, frequency, zone)
    end = following_period(current, frequency)
    if last_visit is not None:
        end = following_period(end, frequency)
    return end.astimezone(timezone.utc)
