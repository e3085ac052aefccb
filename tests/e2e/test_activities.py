"""An activity in a real browser: staff post it, a volunteer enrols, checks in and out
with the codes on the staff's screen, and sees the hours and points."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engage.activities.models import Activity, Enrollment
from engage.ledger.services import issue_budget
from tests.e2e.conftest import keep, signed_in_page
from tests.factories import reread

pytestmark = pytest.mark.e2e


def _time_passes(db, *, starts_ago: timedelta, checked_in_ago: timedelta | None = None) -> None:
    """Move the activity (and the check-in) into the past, as if the day had come."""
    reread(db.session)
    activity = db.session.scalar(select(Activity))
    length = activity.ends_at - activity.starts_at
    activity.starts_at = datetime.now(ZoneInfo("UTC")) - starts_ago
    activity.ends_at = activity.starts_at + length
    if checked_in_ago is not None:
        db.session.scalar(select(Enrollment)).checked_in_at = datetime.now(ZoneInfo("UTC")) - checked_in_ago
    db.session.commit()


def _scan(staff_page, volunteer_page, activity_url: str) -> None:
    """The volunteer's phone opens what the QR code on the staff screen holds."""
    staff_page.goto(activity_url + "/screen")
    token = staff_page.inner_text("[data-test=checkin-token]").strip()
    volunteer_page.goto(f"{activity_url}/attend?t={token}")
    volunteer_page.click("[data-test=attend-submit]")


def test_activity_from_posting_to_hours_and_points(browser, live_server, db, make):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    issue_budget(db.session, admin, community.id, 1000, "预算")
    db.session.commit()
    staff, volunteer = make.user("staff", community=community), make.user("volunteer", community=community)

    staff_page = signed_in_page(browser, live_server, staff)
    staff_page.click("[data-test=nav-activities]")
    staff_page.click("[data-test=new-activity]")
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
    staff_page.fill("#title", "周末文明劝导")
    staff_page.select_option("#kind", "civilization")
    staff_page.fill("#location", "幸福里东门")
    staff_page.fill("#starts_at", f"{tomorrow}T09:00")
    staff_page.fill("#ends_at", f"{tomorrow}T12:00")
    staff_page.fill("#capacity", "6")
    staff_page.fill("#points_per_hour", "10")
    staff_page.click("[data-test=activity-submit]")
    staff_page.wait_for_selector("[data-test=activity-detail]")
    activity_url = staff_page.url

    volunteer_page = signed_in_page(browser, live_server, volunteer)
    volunteer_page.click("[data-test=nav-activities]")
    volunteer_page.click("text=周末文明劝导")
    volunteer_page.click("[data-test=enroll-submit]")
    assert volunteer_page.inner_text("[data-test=enrollment-status]") == "已报名"

    _time_passes(db, starts_ago=timedelta(minutes=5))
    _scan(staff_page, volunteer_page, activity_url)
    assert "签到成功" in volunteer_page.inner_text(".flash")
    keep(staff_page, "activity_checkin_screen")
    assert staff_page.locator("[data-qr] svg").count() == 1

    _time_passes(db, starts_ago=timedelta(hours=2, minutes=5), checked_in_ago=timedelta(hours=2))
    _scan(staff_page, volunteer_page, activity_url)
    assert "签退成功：服务 2 小时，获得 20 积分" in volunteer_page.inner_text(".flash")

    volunteer_page.click("[data-test=nav-volunteer]")
    assert volunteer_page.inner_text("[data-test=total-hours]") == "2"
    assert volunteer_page.inner_text("[data-test=points-balance]") == "20"
    keep(volunteer_page, "volunteer_profile")
    volunteer_page.click("[data-test=issue-certificate]")
    keep(volunteer_page, "volunteer_certificate")
    volunteer_page.goto(volunteer_page.inner_text("[data-test=verify-link]").strip())
    assert volunteer_page.inner_text("[data-test=verified-hours]") == "2 小时"
    staff_page.goto(activity_url + "/roster")
    assert "2" in staff_page.inner_text(f"[data-test=roster-{volunteer.username}]")
    keep(staff_page, "activity_roster")
