"""Signing in by SMS code on a phone: the link on the login page, the phone, the code read from
the SMS outbox file after a worker run, and in; staff resetting a password, shown once."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import LIVE, keep, serving, signed_in_page

PHONE = "13700001111"


def _code(app, sms_file) -> str:
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["engage", "worker", "--once"]).exit_code == 0
    [line] = [json.loads(text) for text in sms_file.read_text(encoding="utf-8").splitlines()]
    assert line["to"] == PHONE
    return re.search(r"验证码 (\d{6})", line["text"]).group(1)


@pytest.mark.e2e
def test_a_resident_signs_in_by_sms_code_on_a_phone(make_app, make, page, tmp_path):
    resident = make.user("resident", phone=PHONE)
    sms_file = tmp_path / "sms.jsonl"
    app = make_app(**LIVE, SMS_OUTBOX_FILE=str(sms_file))
    with serving(app) as url:
        page.goto(url + "/login")
        page.click("[data-test=sms-login-link]")
        page.fill("#phone", PHONE)
        keep(page, "sms-login-phone")
        page.click("[data-test=send-code]")
        page.wait_for_selector("#code")
        keep(page, "sms-login-code")
        page.fill("#code", _code(app, sms_file))
        page.press("#code", "Enter")  # Enter signs in; it does not ask for another code
        page.wait_for_url(url + "/")
        assert resident.display_name in page.inner_text("body")


@pytest.mark.e2e
def test_forgot_password_and_a_staff_reset_on_a_phone(live_server, make, page, browser):
    community = make.community()
    make.user("volunteer", community=community, phone=PHONE)
    page.goto(live_server + "/password/forgot")
    page.fill("#phone", PHONE)
    page.click("[data-test=send-code]")
    page.wait_for_selector("#password")
    keep(page, "forgot-password")
    staff = signed_in_page(browser, live_server, make.user("staff", community=community))
    staff.goto(live_server + "/users")
    staff.locator("[data-test=reset-show]").first.click()
    password = staff.inner_text("[data-test=temporary-password]")
    assert len(password) == 10
    keep(staff, "temporary-password")
    staff.context.close()
