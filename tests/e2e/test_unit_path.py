"""The unit path in a real browser: a resident reports a broken street lamp, the command
centre assigns it to 城管, a member of 城管 signs and replies with a photo, and the command
centre calls the resident back, satisfied, which closes it. Then the command centre
publishes the month's ranking of departments, and the public ranking page — opened with no
login — shows 城管 ranked, with its rates."""

from __future__ import annotations

import pytest

from engage.orders.categories import add_defaults
from tests.e2e.conftest import keep, signed_in_page

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_unit_path_in_the_browser(browser, live_server, db, make):
    street = make.street()
    community = make.community(street)
    add_defaults(db.session, community.id)
    db.session.commit()
    city = make.department(street.district, "城管")
    resident = make.user("resident", community=community)
    centre = make.user("district_admin", district_id=street.district_id)
    member = make.user("department", department_id=city.id)

    resident_page = signed_in_page(browser, live_server, resident)
    resident_page.click("[data-test=home-place]")
    resident_page.select_option("#category", "repair")
    resident_page.fill("#title", "路灯不亮")
    resident_page.fill("#description", "幸福路3号楼前的路灯坏了")
    resident_page.click("[data-test=place-submit]")
    resident_page.wait_for_selector("[data-status=placed]")
    order_url = resident_page.url

    centre_page = signed_in_page(browser, live_server, centre)
    centre_page.click("[data-test=nav-district-queue]")
    centre_page.click("text=路灯不亮")
    centre_page.select_option("#assign-unit_id", label="职能部门 · 城管")
    keep(centre_page, "unit_assign")
    centre_page.click("[data-test=assign-submit]")
    centre_page.wait_for_selector("[data-status=assigned]")
    assert "城管" in centre_page.inner_text("[data-test=handler-unit]")

    member_page = signed_in_page(browser, live_server, member)
    member_page.click("[data-test=home-unit-queue]")
    keep(member_page, "unit_queue")
    member_page.click("text=路灯不亮")
    member_page.click("[data-test=sign-submit]")
    member_page.wait_for_selector("[data-status=signed]")
    member_page.fill("#reply-result", "已更换灯泡，恢复照明")
    member_page.set_input_files(
        "#reply-photo", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
    )
    member_page.click("[data-test=reply-submit]")
    member_page.wait_for_selector("[data-status=replied]")

    centre_page.goto(order_url)
    centre_page.check("input[name=callback-satisfaction][value=satisfied]")
    centre_page.fill("#callback-note", "居民表示满意")
    centre_page.click("[data-test=callback-submit]")
    centre_page.wait_for_selector("[data-status=closed]")
    assert centre_page.inner_text("[data-test=satisfaction]") == "满意"
    assert centre.display_name in centre_page.inner_text("[data-test=first-responder]")
    keep(centre_page, "unit_closed")

    resident_page.goto(order_url)
    timeline = resident_page.inner_text("[data-test=timeline]")
    assert all(step in timeline for step in ("分拨", "签收", "办理反馈", "回访结案"))

    centre_page.click("[data-test=nav-unit-rankings]")
    assert "城管" in centre_page.inner_text("[data-test=live]")
    keep(centre_page, "unit_rankings_manage")
    centre_page.click("[data-test=publish-submit]")
    centre_page.wait_for_selector("[data-test=unit-ranking]")

    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    public.goto(f"{live_server}/public/rankings/units/{street.district_id}?kind=department")
    entry = public.inner_text(f"[data-test=entry][data-unit='{make.unit(city).id}']")
    # Signed and replied in time, 满意: every rate 100 %, so the score is 100 under any weights.
    assert "城管" in entry and "100.00" in entry and "响应率 100.0%" in entry
    keep(public, "unit_rankings_public")
    public.context.close()
