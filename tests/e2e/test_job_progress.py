"""A long export on a phone: the job's page polls its state and offers the file once a worker
has made it (Redis db 14, a queue of the test's own)."""

from __future__ import annotations

import pytest

from tests.background.test_queue import _mall, _run_worker, queued_app  # noqa: F401 - fixture
from tests.e2e.conftest import keep, serving, signed_in_page


@pytest.mark.e2e
def test_the_export_page_follows_its_job_until_the_file_is_ready(queued_app, db, make, browser):  # noqa: F811
    staff = make.user("staff", community=_mall(db, make))
    queued_app.config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None, TESTING=False)
    with serving(queued_app) as url:
        page = signed_in_page(browser, url, staff)
        page.goto(url + "/mall/admin/redemptions.xlsx?start=2026-01-01")
        page.wait_for_selector("[data-test=job-progress]")
        assert page.locator("[data-test=job-download]").is_hidden()
        keep(page, "job-queued")
        _run_worker(queued_app)
        page.wait_for_selector("[data-test=job-download]", state="visible")
        assert "已完成" in page.inner_text("[data-test=job-status]")
        keep(page, "job-finished")
        page.context.close()
