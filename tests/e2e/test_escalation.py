"""四流转 in a real browser: a request 城管 left unsigned for days is escalated to the district,
and the command centre finds it under 督办 in its queue and on the district's dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engage.i18n import local_zone
from engage.orders import routing, services
from engage.orders.categories import add_defaults
from engage.orders.deadlines import tick_orders
from points.base import utcnow
from tests.e2e.conftest import keep, signed_in_page

pytestmark = pytest.mark.e2e


def test_an_escalated_request_shows_in_the_command_centres_queue(browser, live_server, db, make):
    street = make.street()
    community = make.community(street)
    add_defaults(db.session, community.id)
    db.session.commit()
    city = make.department(street.district, "城管")
    resident = make.user("resident", community=community)
    centre = make.user("district_admin", district_id=street.district_id)
    admin = make.user("admin", street_id=street.id, community=community)
    three_days_ago = utcnow() - timedelta(days=3)
    order = services.place_order(
        db.session, resident, category="repair", title="井盖缺失", now=three_days_ago
    )
    routing.assign_order(db.session, centre, order.id, unit_id=make.unit(city).id, now=three_days_ago)
    tick_orders(db.session, now=utcnow(), zone=local_zone())
    db.session.commit()

    page = signed_in_page(browser, live_server, centre)
    page.click("[data-test=nav-district-queue]")
    page.click("[data-test=queue-escalated]")
    keep(page, "escalation_queue")
    assert "井盖缺失" in page.inner_text("[data-test=queue]")
    assert "区" in page.inner_text("[data-test=escalated-to]")
    page.click("text=井盖缺失")
    assert "督办至区" in page.inner_text("[data-test=escalated-to]")
    assert "升级至区" in page.inner_text("[data-test=timeline]")
    page.click("[data-test=nav-comparison]")
    keep(page, "comparison_district")
    assert "城管" in page.inner_text("[data-test=comparison]")

    street_page = signed_in_page(browser, live_server, admin)
    street_page.click("[data-test=nav-comparison]")
    street_page.wait_for_selector("[data-test=comparison]")
    keep(street_page, "comparison_street")
    assert community.name in street_page.inner_text("[data-test=comparison]")
