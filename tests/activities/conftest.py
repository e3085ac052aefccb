"""A funded community with staff and volunteers, and an activity factory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engage.activities import services
from engage.ledger.services import issue_budget
from points.base import utcnow


@pytest.fixture
def crew(db, make):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    staff = make.user("staff", community=community)
    volunteers = [make.user("volunteer", community=community) for _ in range(3)]
    issue_budget(db.session, admin, community.id, 10_000, "活动预算")
    db.session.commit()
    return staff, volunteers


@pytest.fixture
def post_activity(db, crew):
    """``post_activity(capacity=5, starts_in=timedelta(days=1), hours=2, team_id=…)`` → committed."""

    def do(
        *,
        capacity: int = 5,
        starts_in: timedelta = timedelta(days=1),
        hours: float = 2,
        waitlist: bool = True,
        points_per_hour: int = 10,
        **extra,
    ):
        start = utcnow() + starts_in
        activity = services.create_activity(
            db.session,
            crew[0],
            title="社区巡防",
            kind="patrol",
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            capacity=capacity,
            points_per_hour=points_per_hour,
            location="社区服务中心",
            waitlist=waitlist,
            **extra,
        )
        db.session.commit()
        return activity

    return do


@pytest.fixture
def running(db, crew, post_activity):
    """A two-hour activity that started an hour ago, the first volunteer enrolled."""
    activity = post_activity(starts_in=timedelta(days=1))
    services.enroll(db.session, crew[1][0], activity.id)
    activity.starts_at = utcnow() - timedelta(hours=1)
    activity.ends_at = activity.starts_at + timedelta(hours=2)
    db.session.commit()
    return activity
