"""一天一提醒、一周一通报、一月一点评 as ``tick`` does them: once each, whatever the repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engage.duties.models import DutyReport
from engage.duties.rhythm import generate_reports, remind_due_visits
from engage.notifications.models import Notification
from tests.duties.conftest import SHANGHAI


def test_one_reminder_per_worker_per_local_day(db, duty, target):
    target(created_at=datetime(2026, 11, 1, tzinfo=UTC))
    morning = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert remind_due_visits(db.session, now=morning, zone=SHANGHAI) == 1
    assert (
        remind_due_visits(db.session, now=morning + timedelta(hours=10), zone=SHANGHAI) == 0
    )  # 18:30, same day
    assert (
        remind_due_visits(db.session, now=morning + timedelta(hours=16), zone=SHANGHAI) == 1
    )  # 00:30 next day
    messages = db.session.scalars(
        select(Notification.message).where(Notification.user_id == duty.worker.id)
    ).all()
    assert len(messages) == 2 and "1 位" in messages[0]


def test_last_weeks_and_months_reports_are_kept_once(db, duty, target):
    target(created_at=datetime(2026, 10, 1, tzinfo=UTC))
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    assert generate_reports(db.session, now=now, zone=SHANGHAI, stale_days=180) == 2
    assert generate_reports(db.session, now=now + timedelta(hours=5), zone=SHANGHAI, stale_days=180) == 0
    kept = {
        r.kind: r
        for r in db.session.scalars(select(DutyReport).where(DutyReport.community_id == duty.community.id))
    }
    assert (kept["week"].label, kept["month"].label) == ("2026-W47", "2026-10")
    assert kept["month"].figures["must_visit"]["due"] >= 1


def test_kept_reports_are_shown_to_their_community_and_street_only(db, make, duty, target, signed_in):
    target(created_at=datetime(2026, 10, 1, tzinfo=UTC))
    generate_reports(db.session, now=datetime(2026, 11, 25, 2, tzinfo=UTC), zone=SHANGHAI, stale_days=180)
    db.session.commit()
    street_admin = make.user("admin", street_id=duty.admin.street_id)  # no community of their own
    for viewer in (duty.staff, street_admin):
        assert "2026-W47" in signed_in(viewer).get("/duties/reports").get_data(as_text=True)
    stranger = make.user("staff")
    assert "2026-W47" not in signed_in(stranger).get("/duties/reports").get_data(as_text=True)
