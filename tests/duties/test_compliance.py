"""Compliance rates on a fixture worked out by hand, 4必到 deadlines and escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engage.duties import care, checks, compliance, events
from engage.duties.models import DutyEvent
from engage.errors import Forbidden, InvalidTransition
from engage.notifications.models import Notification
from tests.duties.conftest import SHANGHAI
from tests.factories import DATA_KEY, reread, together

STALE_DAYS = 180  # how long a 必清 item stays fresh, as configured by default

LIMITS = dict(urgent_minutes=30, other_hours=24)


def _local(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def _visit(db, duty, target, *parts):
    care.record_visit(
        db.session,
        duty.worker,
        target.id,
        visited_at=_local(*parts),
        kind="home",
        zone=SHANGHAI,
        key=DATA_KEY,
    )


def _event(db, duty, kind, reported, arrived=None):
    event = events.report_event(
        db.session, duty.worker, grid_id=duty.grid.id, kind=kind, title="事件", now=reported, **LIMITS
    )
    if arrived:
        events.advance(db.session, duty.worker, event.id, "arrive", now=arrived)
    return event


def test_october_worked_out_by_hand(db, duty, target):
    # 必访: A weekly — weeks ending in October: Sep 28, Oct 5, 12, 19 → visited in 3 of 4.
    weekly = target("elderly_alone", created_at=_local(2026, 9, 20))
    for day in ((2026, 10, 3, 10), (2026, 10, 14, 10), (2026, 10, 25, 10)):
        _visit(db, duty, weekly, *day)
    # B monthly, visited late on Oct 31 → 1 of 1.
    # C monthly, registered Oct 20, never visited → 0 of 1, overdue.
    monthly = target("hardship", created_at=_local(2026, 9, 1))
    _visit(db, duty, monthly, 2026, 10, 31, 23, 30)
    target("left_behind_child", created_at=_local(2026, 10, 20))
    # 必到: one on time, one arrived late, one never arrived; one from September does not count.
    _event(db, duty, "emergency", _local(2026, 10, 10, 10), arrived=_local(2026, 10, 10, 10, 20))
    _event(db, duty, "neighbour_dispute", _local(2026, 10, 12, 9), arrived=_local(2026, 10, 13, 15))
    _event(db, duty, "family_accident", _local(2026, 10, 30, 8))
    _event(db, duty, "emergency", _local(2026, 9, 30, 8), arrived=_local(2026, 9, 30, 8, 5))
    # 必清: 2 households × 6 = 12 items; 6 + 2 fresh, 1 confirmed in March is stale (over 180 days).
    first, second = duty.households
    for item in ("basic", "population", "facilities", "risks", "needs", "hot_issues"):
        checks.confirm(db.session, duty.worker, first.id, item, now=_local(2026, 10, 15))
    for item in ("basic", "needs"):
        checks.confirm(db.session, duty.worker, second.id, item, now=_local(2026, 10, 20))
    checks.confirm(db.session, duty.worker, second.id, "risks", now=_local(2026, 3, 1))
    db.session.commit()

    result = compliance.figures(
        db.session, duty.staff, compliance.parse_period("2026-10", SHANGHAI), stale_days=STALE_DAYS
    ).as_json()
    assert result["must_visit"] == {"rate": round(4 / 6, 4), "met": 4, "due": 6, "overdue": 1}
    assert result["must_arrive"] == {"rate": round(1 / 3, 4), "on_time": 1, "late": 2}
    assert result["must_know"] == {"rate": round(8 / 12, 4), "fresh": 8, "items": 12}
    october = compliance.parse_period("2026-10", SHANGHAI)
    assert compliance.figures(db.session, duty.worker, october, stale_days=STALE_DAYS) == compliance.figures(
        db.session, duty.staff, october, stale_days=STALE_DAYS
    )
    # A trend loads the three months at once and sorts them out itself: the same as one by one,
    # even for a target registered in November whose first visit was recorded as made before.
    backdated = target("elderly_alone", created_at=_local(2026, 11, 2))
    _visit(db, duty, backdated, 2026, 9, 10, 10)
    months = [compliance.parse_period(month, SHANGHAI) for month in ("2026-09", "2026-10", "2026-11")]
    assert compliance.figures_over(db.session, duty.staff, months, stale_days=STALE_DAYS) == [
        compliance.figures(db.session, duty.staff, month, stale_days=STALE_DAYS) for month in months
    ]


def test_figures_within_chosen_communities_count_only_theirs(db, make, duty, target):
    """The leaders' dashboard shows one community: its targets and its grids' events only."""
    neighbour = make.community(duty.community.street)
    neighbours_grid = make.grid(neighbour, grid_worker=make.user("grid_worker", community=neighbour))
    target("hardship", created_at=_local(2026, 9, 1))
    for _n in range(2):
        target("hardship", created_at=_local(2026, 9, 1), grid=neighbours_grid, by=duty.admin)
    _event(db, duty, "emergency", _local(2026, 10, 10, 10), arrived=_local(2026, 10, 10, 10, 20))
    db.session.commit()
    october = compliance.parse_period("2026-10", SHANGHAI)

    def seen(community_ids):
        shown = compliance.figures(
            db.session, duty.admin, october, stale_days=STALE_DAYS, community_ids=community_ids
        ).as_json()
        return shown["must_visit"]["due"], shown["must_arrive"]["on_time"], shown["must_know"]["items"]

    assert seen(None) == (3, 1, 12)
    assert seen([duty.community.id]) == (1, 1, 12)
    assert seen([neighbour.id]) == (2, 0, 0)
    by_grid = compliance.figures_by_grid(db.session, duty.admin, october, stale_days=STALE_DAYS)
    assert [(grid.id, shown.visit_due, shown.arrive_on_time) for grid, shown in by_grid] == [
        (duty.grid.id, 1, 1),
        (neighbours_grid.id, 2, 0),
    ]


def test_the_compliance_api_answers_in_scope_and_refuses_others(make_app, make, db, duty):
    from tests.factories import ApiClient

    staff = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(duty.staff)
    answer = staff.get("/api/v1/duties/compliance?period=2026-10")
    assert answer.status_code == 200 and answer.json["must_visit"]["rate"] is None
    assert staff.get("/api/v1/duties/compliance?period=October").status_code == 400
    volunteer = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(
        make.user("volunteer", community=duty.community)
    )
    assert volunteer.get("/api/v1/duties/compliance").status_code == 403


def test_events_go_in_order_and_late_ones_escalate_once_per_level(db, duty):
    reported = _local(2026, 11, 20, 9)
    event = _event(db, duty, "emergency", reported)
    assert event.arrive_by == reported + timedelta(minutes=30)
    with pytest.raises(InvalidTransition):
        events.advance(db.session, duty.worker, event.id, "close")
    assert events.escalate_late(db.session, now=reported + timedelta(minutes=29)) == 0
    assert events.escalate_late(db.session, now=reported + timedelta(minutes=31)) == 1
    assert events.escalate_late(db.session, now=reported + timedelta(minutes=45)) == 0
    assert events.escalate_late(db.session, now=reported + timedelta(minutes=61)) == 1
    assert db.session.get(DutyEvent, event.id).escalation_level == 2
    staff_notes = db.session.query(Notification).filter_by(user_id=duty.staff.id).count()
    admin_notes = db.session.query(Notification).filter_by(user_id=duty.admin.id).count()
    assert (staff_notes, admin_notes) == (1, 1)
    events.advance(db.session, duty.worker, event.id, "arrive", now=reported + timedelta(minutes=70))
    assert events.is_late(db.session.get(DutyEvent, event.id), reported + timedelta(hours=2))


def test_residents_report_but_cannot_work_events(db, make, duty):
    resident = make.user("resident", community=duty.community)
    event = events.report_event(
        db.session, resident, grid_id=duty.grid.id, kind="important_request", title="楼道灯坏了", **LIMITS
    )
    assert event.arrive_by - event.reported_at == timedelta(hours=24)
    with pytest.raises(Forbidden):
        events.advance(db.session, resident, event.id, "arrive")


@pytest.mark.concurrency
def test_two_ticks_at_once_escalate_a_late_event_once(app, db, duty):
    reported = _local(2026, 11, 20, 9)
    event_id = _event(db, duty, "emergency", reported).id
    db.session.commit()
    late = reported + timedelta(minutes=31)
    results = together(app, [lambda session: events.escalate_late(session, now=late) for _ in range(6)])
    assert sorted(results) == [0] * 5 + [1], results
    reread(db.session)
    assert db.session.get(DutyEvent, event_id).escalation_level == 1
    assert db.session.query(Notification).filter_by(user_id=duty.staff.id).count() == 1
