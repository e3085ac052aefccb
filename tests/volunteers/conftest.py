"""A community with staff and a volunteer, and a helper that records service hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engage.activities.models import Activity, Enrollment


@pytest.fixture
def people(make):
    community = make.community()
    return make.user("staff", community=community), make.user("volunteer", community=community)


@pytest.fixture
def served(db, people):
    """``served(volunteer, minutes, starts_at=…, title=…)``: attendance already credited."""
    staff = people[0]

    def do(volunteer, minutes: int, *, starts_at: datetime | None = None, title: str = "社区巡防"):
        start = starts_at or datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
        activity = Activity(
            community_id=staff.community_id,
            kind="patrol",
            title=title,
            location="服务中心",
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            capacity=5,
            enrolled=1,
            points_per_hour=0,
            created_by_id=staff.id,
        )
        db.session.add(activity)
        db.session.flush()
        db.session.add(
            Enrollment(
                activity_id=activity.id,
                volunteer_id=volunteer.id,
                status="enrolled",
                checked_in_at=start,
                checked_out_at=activity.ends_at,
                minutes=minutes,
                points_awarded=0,
            )
        )
        db.session.commit()
        return activity

    return do
