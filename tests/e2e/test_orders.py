"""The closed loop in a real browser: place, dispatch, accept, complete, rate, see points."""

from __future__ import annotations

import pytest

from engage.ledger.services import issue_budget
from engage.orders.categories import add_defaults
from tests.e2e.conftest import keep, signed_in_page

pytestmark = pytest.mark.e2e


def test_order_loop_in_the_browser(browser, live_server, db, make):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    add_defaults(db.session, community.id)
    issue_budget(db.session, admin, community.id, 1000, "预算")
    db.session.commit()
    resident = make.user("resident", community=community)
    staff = make.user("staff", community=community)
    volunteer = make.user("volunteer", community=community)

    resident_page = signed_in_page(browser, live_server, resident)
    resident_page.click("[data-test=home-place]")
    resident_page.select_option("#category", "elderly_care")
    resident_page.fill("#title", "陪同老人散步")
    resident_page.click("[data-test=place-submit]")
    resident_page.wait_for_selector("[data-test=order-status]")
    order_url = resident_page.url

    staff_page = signed_in_page(browser, live_server, staff)
    staff_page.click("[data-test=nav-queue]")
    staff_page.click("text=陪同老人散步")
    keep(staff_page, "order_dispatch")
    staff_page.click("[data-test=dispatch-submit]")
    staff_page.wait_for_selector("[data-status=dispatched]")

    volunteer_page = signed_in_page(browser, live_server, volunteer)
    volunteer_page.click("[data-test=nav-tasks]")
    keep(volunteer_page, "order_task_board")
    volunteer_page.click("text=陪同老人散步")
    volunteer_page.click("[data-test=accept-submit]")
    volunteer_page.wait_for_selector("[data-status=accepted]")
    volunteer_page.fill("#note", "陪同散步一小时")
    volunteer_page.click("[data-test=complete-submit]")
    volunteer_page.wait_for_selector("[data-status=completed]")

    resident_page.goto(order_url)
    resident_page.check("input[name=stars][value='5']")
    resident_page.click("[data-test=rate-submit]")
    resident_page.wait_for_selector("[data-status=closed]")
    keep(resident_page, "order_closed")

    volunteer_page.goto(live_server + "/points/")
    assert volunteer_page.inner_text("[data-test=balance]") == "30"
    keep(volunteer_page, "order_points")
