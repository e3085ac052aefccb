"""When the next care visit is due.

Policies are calendar periods in the configured zone: "weekly" means at least one
visit in every Monday-to-Sunday week, "monthly" one in every calendar month. A visit
in one period makes the next due by the end of the following period; a target never
visited is due by the end of the current one. Due dates are stored as the UTC instant
the period ends; a target is overdue from that instant on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engage.periods import following_period, period_start

DEFAULT_FREQUENCY = {
    "hardship": "month",
    "elderly_alone": "week",
    "left_behind_child": "month",
    "troubled_youth": "month",
    "disabled_family": "month",
    "mental_illness": "week",
    "petitioner": "month",
    "religious": "quarter",
}


def next_due(last_visit: datetime | None, frequency: str, zone: ZoneInfo, *, now: datetime) -> datetime:
    current = period_start(last_visit or now, frequency, zone)
    end = following_period(current, frequency)
    if last_visit is not None:
        end = following_period(end, frequency)
    return end.astimezone(UTC)
