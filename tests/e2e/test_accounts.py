"""A new resident registers, logs out and in, switches language and logs out."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_register_login_language_logout(page, live_server, make, db):
    micro_grid = make.micro_grid()
    page.goto(live_server + "/register")
    page.fill("#phone", "13866668888")
    page.fill("#display_name", "陈小红")
    page.check("input[name=role][value=resident]")
    page.select_option("#community_id", str(micro_grid.community_id))
    page.select_option("#micro_grid_id", str(micro_grid.id))
    page.fill("#password", "my-secret-pass")
    page.fill("#confirm", "my-secret-pass")
    page.click("[data-test=register-submit]")
    page.wait_for_selector("[data-test=section-resident]")
    assert "陈小红" in page.inner_text("h1")

    page.click("[data-test=logout]")
    page.wait_for_selector("[data-test=login-submit]")
    page.fill("#username", "13866668888")
    page.fill("#password", "my-secret-pass")
    page.click("[data-test=login-submit]")
    page.wait_for_selector("[data-test=section-resident]")

    page.click("[data-test=lang-en]")
    page.wait_for_selector("[data-test=lang-zh]")
    assert "My points" in page.inner_text("[data-test=section-resident]")

    page.click("[data-test=logout]")
    page.wait_for_selector("[data-test=login-submit]")
    assert page.url.endswith("/login")
    page.goto(live_server + "/profile")
    assert "/login" in page.url


def test_micro_grid_choices_follow_the_community(page, live_server, make):
    street = make.street()
    first, second = (
        make.micro_grid(make.grid(make.community(street))),
        make.micro_grid(make.grid(make.community(street))),
    )
    page.goto(live_server + "/register")
    page.select_option("#community_id", str(second.community_id))
    visible = page.eval_on_selector_all("#micro_grid_id option:not([hidden])", "os => os.map(o => o.value)")
    assert visible == ["0", str(second.id)] and str(first.id) not in visible


def test_wrong_password_shows_a_chinese_message(page, live_server, make):
    user = make.user("volunteer")
    page.goto(live_server + "/login")
    page.fill("#username", user.username)
    page.fill("#password", "not-the-password")
    page.click("[data-test=login-submit]")
    assert "用户名或密码错误" in page.inner_text(".flash-error")
