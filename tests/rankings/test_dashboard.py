"""Every dashboard figure against a fixture whose answer is worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from engage.activities.models import Activity, Enrollment
from engage.ledger.services import award_points, issue_budget
from engage.periods import containing, parse_label
from engage.rankings import dashboard
from points.base import utcnow
from tests.rankings.conftest import SHANGHAI


def test_october_figures_worked_out_by_hand(db, make, street, company, order):
    served = company()
    # 120 orders placed in October: 118 closed (2 of them after the deadline), 2 still open;
    # 108 rated 5★ and 10 rated 3★.
    for n in range(118):
        order(served, rating=5 if n < 108 else 3, on_time=n >= 2)
    for _ in range(2):
        order(served, rating=None)
    order(served, rating=5, at=datetime(2026, 9, 30, 23, tzinfo=SHANGHAI))  # September: not counted
    board = dashboard.figures(db.session, [street.community.id], parse_label("2026-10", SHANGHAI))
    assert (board.received, board.closed, board.closed_on_time) == (120, 118, 116)
    assert board.completion_rate == 0.9833  # 办结率 118 / 120 = 98.3%
    assert board.on_time_rate == 0.9667  # 限时办结率 116 / 120 = 96.7%
    assert board.satisfaction == 0.9153  # 满意度 108 / 118 = 91.5%
    assert board.by_category == [("维修", 120, 118)]


def test_the_order_trend_counts_each_month_on_its_own(db, street, company, order):
    served = company()
    order(served, rating=5, at=datetime(2026, 9, 30, 23, tzinfo=SHANGHAI))  # September in Shanghai
    order(served, rating=3, at=datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI))
    order(served, rating=5, on_time=False, at=datetime(2026, 10, 31, 23, tzinfo=SHANGHAI))
    order(served, rating=None, at=datetime(2026, 10, 15, tzinfo=SHANGHAI))  # still open
    order(served, rating=5, at=datetime(2026, 11, 1, tzinfo=SHANGHAI))  # after the chart's months
    months = [parse_label(label, SHANGHAI) for label in ("2026-08", "2026-09", "2026-10")]
    trend = dashboard.order_trend(db.session, [street.community.id], months)
    assert [(label, b.received, b.closed, b.closed_on_time, b.rated, b.satisfied) for label, b in trend] == [
        ("2026-08", 0, 0, 0, 0, 0),
        ("2026-09", 1, 1, 1, 1, 1),
        ("2026-10", 3, 2, 1, 2, 1),
    ]


def test_volunteer_and_points_figures(db, make, street):
    now = utcnow()
    month = containing(now, "month", SHANGHAI)
    earner, server, idle = (make.user("volunteer", community=street.community) for _ in range(3))
    issue_budget(db.session, street.admin, street.community.id, 10_000, "预算")
    award_points(db.session, street.staff, earner.id, 300, "奖励")
    activity = Activity(
        community_id=street.community.id,
        kind="patrol",
        title="巡逻",
        location="小区",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        capacity=5,
        enrolled=1,
        points_per_hour=0,
        created_by_id=street.staff.id,
    )
    db.session.add(activity)
    db.session.flush()
    db.session.add(
        Enrollment(
            activity_id=activity.id, volunteer_id=server.id, status="enrolled", minutes=90, points_awarded=0
        )
    )
    db.session.commit()
    board = dashboard.figures(db.session, [street.community.id], month)
    assert (board.volunteers, board.active_volunteers, board.minutes) == (3, 2, 90)
    assert board.points == {"issued": 10_000, "awarded": 300, "redeemed": 0, "expired": 0, "outstanding": 300}
    assert board.by_group == [("resident", 3, 90)]
