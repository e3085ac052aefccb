"""Due dates by calendar period in Asia/Shanghai, across week, month and year boundaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage.duties.schedule import next_due
from tests.duties.conftest import SHANGHAI


def _local(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "visited, frequency, due",
    [
        (_local(2026, 11, 29, 23, 59), "week", _local(2026, 12, 7)),  # Sunday night: this week
        (_local(2026, 11, 30, 0, 0), "week", _local(2026, 12, 14)),  # Monday 00:00: the next week
        (_local(2026, 12, 28, 9, 0), "week", _local(2027, 1, 11)),  # across the year
        (_local(2026, 12, 31, 23, 30), "month", _local(2027, 2, 1)),
        (_local(2027, 1, 1, 0, 10), "month", _local(2027, 3, 1)),
        (
            _local(2026, 1, 31, 12, 0),
            "month",
            _local(2026, 3, 1),
        ),  # January to March, whatever February's length
        (_local(2026, 12, 15, 8, 0), "quarter", _local(2027, 4, 1)),
        (_local(2026, 10, 1, 0, 0), "quarter", _local(2027, 4, 1)),
    ],
)
def test_a_visit_makes_the_next_due_at_the_end_of_the_following_period(visited, frequency, due):
    utc_visit = visited.astimezone(UTC)
    assert next_due(utc_visit, frequency, SHANGHAI, now=utc_visit) == due.astimezone(UTC)


def test_a_new_target_is_due_by_the_end_of_the_current_period():
    registered = _local(2026, 11, 25, 10, 0).astimezone(UTC)
    assert next_due(None, "week", SHANGHAI, now=registered) == _local(2026, 11, 30).astimezone(UTC)
    assert next_due(None, "month", SHANGHAI, now=registered) == _local(2026, 12, 1).astimezone(UTC)


def test_the_boundary_is_in_shanghai_not_utc():
    """16:30 UTC on Sunday is already Monday in Shanghai: a new week."""
    sunday_utc = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)
    assert next_due(sunday_utc, "week", SHANGHAI, now=sunday_utc) == _local(2026, 12, 14).astimezone(UTC)
