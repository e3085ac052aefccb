"""The kiosk in a real browser: the member's phone shows a code, the kiosk takes it,
the member picks a reward, confirms and sees the receipt with the new balance."""

from __future__ import annotations

import pytest

from engage.ledger.services import award_points, issue_budget
from marketplace import catalogue
from tests.e2e.conftest import keep, signed_in_page

pytestmark = pytest.mark.e2e


def test_kiosk_redemption_with_a_member_code(browser, live_server, db, make):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    staff, device = make.user("staff", community=community), make.user("kiosk", community=community)
    member = make.user("resident", community=community)
    issue_budget(db.session, admin, community.id, 1000, "预算")
    award_points(db.session, staff, member.id, 80, "垃圾分类示范户")
    location = catalogue.add_kiosk(db.session, staff, name="服务中心兑换机", kiosk_user_id=device.id)
    towel = catalogue.create_reward(db.session, staff, name="毛巾", price_points=25)
    catalogue.restock(db.session, staff, towel.id, location.id, 3)
    db.session.commit()

    phone = signed_in_page(browser, live_server, member)
    phone.click("[data-test=nav-mall]")
    phone.click("[data-test=member-card]")
    token = phone.inner_text("[data-test=member-token]").strip()
    keep(phone, "mall_member_code")

    kiosk = signed_in_page(browser, live_server, device)
    kiosk.set_viewport_size({"width": 1080, "height": 1400})
    kiosk.wait_for_selector("[data-test=kiosk-attract]")
    keep(kiosk, "kiosk_attract")
    kiosk.fill("#code-token", token)
    kiosk.click("[data-test=kiosk-code-submit]")
    assert kiosk.inner_text("[data-test=kiosk-balance]") == "80"
    keep(kiosk, "kiosk_shop")
    kiosk.click(f"[data-test=kiosk-reward-{towel.id}] button")
    kiosk.wait_for_selector("[data-test=kiosk-receipt]")
    assert kiosk.inner_text("[data-test=kiosk-new-balance]") == "55"
    keep(kiosk, "kiosk_receipt")
    kiosk.click("[data-test=kiosk-done]")
    kiosk.wait_for_selector("[data-test=kiosk-attract]")
