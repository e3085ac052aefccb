"""The public red and yellow lists and a dashboard with its charts, in a real browser."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from engage.orders.categories import add_defaults
from engage.orders.services import place_order
from engage.rankings import services
from tests.e2e.conftest import keep, signed_in_page

pytestmark = pytest.mark.e2e


def test_public_lists_and_the_dashboard(browser, live_server, db, make, page):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    companies = [make.company(street) for _ in range(3)]
    theory = next(c for c in services.criteria(db.session, admin) if c.code == "theory")
    for company, mark in zip(companies, (95, 70, 30), strict=True):
        services.score(
            db.session,
            admin,
            "2026-Q3",
            company.id,
            theory.id,
            mark,
            "现场检查",
            zone=ZoneInfo("Asia/Shanghai"),
        )
    # With complaints at 100 and no service hours: 95 → 65, 70 → 56.7, 30 → 43.3.
    services.publish(db.session, admin, "2026-Q3", zone=ZoneInfo("Asia/Shanghai"), rule={"red_min": 60})
    add_defaults(db.session, community.id)
    resident = make.user("resident", community=community)
    for title in ("换灯泡", "修水管"):
        place_order(db.session, resident, category="repair", title=title)
    db.session.commit()

    page.goto(f"{live_server}/public/rankings/{street.id}")
    assert companies[0].name in page.inner_text("[data-test=red-list]")
    assert companies[2].name in page.inner_text("[data-test=yellow-list]")
    keep(page, "public_red_yellow_lists")

    staff_page = signed_in_page(browser, live_server, admin)
    staff_page.set_viewport_size({"width": 1200, "height": 900})
    staff_page.click("[data-test=nav-dashboard]")
    chart = staff_page.locator("[data-test=orders-chart]")
    assert chart.is_visible() and chart.bounding_box()["height"] > 50
    bars = [
        chart.locator("rect").nth(i).get_attribute("height") for i in range(chart.locator("rect").count())
    ]
    assert max(int(h) for h in bars) == 180  # this month's two orders fill the scale
    assert staff_page.locator("[data-test=headline]").is_visible()
    keep(staff_page, "dashboard")
