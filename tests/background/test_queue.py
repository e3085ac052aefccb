"""The job queue: with Redis (db 14, a queue of the test's own) a job waits for a worker and
runs there (rq's SimpleWorker in burst mode, in this process); without Redis the same task runs
inline. The export page follows a queued export through its JSON state; the CLI shows progress."""

from __future__ import annotations

import json
from io import BytesIO
from uuid import uuid4

import pytest
from openpyxl import load_workbook
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import func, select

from engage.background.queue import job_queue, job_state, submit
from engage.outbox.services import send_sms
from engage.rankings.models import PeriodicReport
from marketplace.catalogue import counter

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def queued_app(make_app, tmp_path):
    """An app with a job queue of its own on Redis; its keys are removed afterwards (the SQLite
    and PostgreSQL runs of CI share the Redis database)."""
    name = f"test-{uuid4().hex}"
    app = make_app(
        REDIS_URL=REDIS_URL,
        JOB_QUEUE=name,
        JOB_RESULT_SECONDS=120,
        EXPORT_QUEUE_ROWS=-1,
        SMS_OUTBOX_FILE=str(tmp_path / "sms.jsonl"),
    )
    yield app
    connection = Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


def _run_worker(app) -> None:
    with app.app_context():
        queue = job_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")


def _reports(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PeriodicReport))


def test_without_redis_a_task_runs_inline(app, db, make):
    make.community()
    with app.app_context():
        submitted = submit("reports")
        assert submitted.job_id is None and submitted.result == {"reports kept": 4}


def test_with_redis_a_job_waits_for_a_worker_and_runs_there(queued_app, db, make):
    community = make.community()
    owner = make.user("admin", street_id=community.street_id)
    with queued_app.app_context():
        job_id = submit("reports", owner_id=owner.id).job_id
        assert job_state(job_id, owner.id).status == "queued"
    assert _reports(db) == 0
    _run_worker(queued_app)
    assert _reports(db) == 4
    with queued_app.app_context():
        state = job_state(job_id, owner.id)
        assert (state.status, state.done, state.total) == ("finished", 1, 1)
        assert job_state(job_id, owner.id + 1) is None
        assert job_queue().fetch_job(job_id).return_value() == {"reports kept": 4}


def test_the_worker_command_with_redis_delivers_and_queues_tick(queued_app, db, tmp_path):
    send_sms(db.session, to="13700000009", text="您的验证码是 123456", kind="sms_code", urgent=True)
    db.session.commit()
    with queued_app.app_context():
        result = queued_app.test_cli_runner().invoke(args=["engage", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "jobs run" in result.output and "failed 0" in result.output
    [line] = [json.loads(text) for text in (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert line["to"] == "13700000009"
    with queued_app.app_context():
        assert job_queue().connection.exists(f"{job_queue().name}:tick-claimed")


def test_tick_with_redis_queues_the_tallies_and_the_delivery(queued_app):
    with queued_app.app_context():
        result = queued_app.test_cli_runner().invoke(args=["engage", "tick"])
        assert result.exit_code == 0, result.output
        assert "tallies queued 1" in result.output and "deliver queued 1" in result.output
        assert job_queue().count == 2


def _mall(db, make):
    """A community whose mall has its counter (made on the first visit otherwise)."""
    community = make.community()
    counter(db.session, community.id)
    db.session.commit()
    return community


def test_a_long_export_is_queued_and_its_page_follows_it(queued_app, db, make):
    community = _mall(db, make)
    staff, colleague = make.user("staff", community=community), make.user("staff", community=community)
    client, other = queued_app.test_client(), queued_app.test_client()
    for browser, user in ((client, staff), (other, colleague)):
        assert browser.post(
            "/login", data={"username": user.username, "password": "correct-horse-42"}
        ).status_code
    started = client.get("/mall/admin/redemptions.xlsx?start=2026-01-01&end=2026-12-31")
    assert started.status_code == 302 and "/jobs/" in started.location
    page_url = started.location
    page = client.get(page_url)
    assert page.status_code == 200 and 'data-test="job-progress"' in page.get_data(as_text=True)
    waiting = client.get(page_url + ".json").json
    assert (waiting["status"], waiting["download"]) == ("queued", None)
    assert other.get(page_url + ".json").status_code == 404
    _run_worker(queued_app)
    done = client.get(page_url + ".json").json
    assert done["status"] == "finished" and done["download"].endswith("/download")
    assert other.get(done["download"]).status_code == 404
    sheet = load_workbook(BytesIO(client.get(done["download"]).data)).active
    assert sheet["A1"].value == "编号" and sheet["A2"].value == "合计"


def test_a_short_export_needs_no_queue(app, db, make, login):
    client = login(make.user("staff", community=_mall(db, make)))
    response = client.get("/mall/admin/redemptions.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_an_unknown_job_is_not_found(queued_app, make):
    client = queued_app.test_client()
    user = make.user("staff")
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    assert client.get("/jobs/no-such-job.json").status_code == 404
    assert client.get("/jobs/" + "x" * 500).status_code == 404


def test_the_reports_command_shows_progress_inline_and_queues_with_redis(app, queued_app, make):
    make.community()
    with app.app_context():
        inline = app.test_cli_runner().invoke(args=["engage", "reports"])
    assert inline.exit_code == 0 and inline.output.splitlines() == ["reports", "reports kept: 4"]
    with queued_app.app_context():
        queued = queued_app.test_cli_runner().invoke(args=["engage", "reports"])
        assert queued.exit_code == 0 and "queued job" in queued.output
        assert job_queue().count == 1
