"""A grid worker in a real browser: sees today's overdue visit, records it, and it leaves the list."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.duties import care
from engage.duties.schedule import next_due
from points.base import utcnow
from tests.e2e.conftest import keep, signed_in_page
from tests.factories import DATA_KEY

pytestmark = pytest.mark.e2e
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_grid_worker_records_a_due_visit(browser, live_server, db, make):
    community = make.community()
    worker = make.user("grid_worker", community=community)
    grid = make.grid(community, grid_worker=worker)
    staff = make.user("staff", community=community)
    registered = utcnow() - timedelta(days=40)
    elder = care.register_target(
        db.session,
        staff,
        grid_id=grid.id,
        category="elderly_alone",
        name="王秀英",
        phone="13900001111",
        zone=SHANGHAI,
        key=DATA_KEY,
    )
    elder.created_at, elder.next_visit_due = registered, next_due(None, "week", SHANGHAI, now=registered)
    db.session.commit()

    page = signed_in_page(browser, live_server, worker)
    page.click("[data-test=nav-duties]")
    overdue = page.locator("[data-test=overdue]")
    assert "王*英" in overdue.inner_text()
    keep(page, "duties_overdue")
    overdue.locator("a").first.click()
    assert "13900001111" in page.inner_text("[data-test=care-record]")
    page.fill("#visited_at", (datetime.now(SHANGHAI) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#kind", "home")
    page.fill("#found", "身体良好，已提醒按时服药")
    page.click("[data-test=visit-submit]")
    page.wait_for_selector("[data-test=overdue]")
    assert "王*英" not in page.inner_text("[data-test=overdue]")
    keep(page, "duties_after_visit")
