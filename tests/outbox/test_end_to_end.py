"""A 必到 event reported on the page or through the API reaches the grid worker's phone
(the SMS outbox file) within one ``tick``; a second ``tick`` sends nothing more."""

from __future__ import annotations

from engage.outbox.services import send_sms
from tests.outbox.conftest import lines

WORKER_PHONE = "13700000001"


def _grid(make):
    community = make.community()
    worker = make.user("grid_worker", community=community, phone=WORKER_PHONE)
    return community, worker, make.grid(community, grid_worker=worker)


def _tick(app):
    """``flask engage tick`` in the app's own context (the test's session has another app's,
    which the command would otherwise run in, with that app's outbox file)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["engage", "tick"])


def _tick_twice(app, sms_file) -> list[dict]:
    first = _tick(app)
    assert first.exit_code == 0, first.output
    assert "messages sent 1" in first.output, first.output
    after_one = lines(sms_file)
    second = _tick(app)
    assert second.exit_code == 0, second.output
    assert lines(sms_file) == after_one
    return after_one


def test_an_event_reported_on_the_page_reaches_the_grid_workers_phone(app, make, login, sms_file):
    community, _worker, grid = _grid(make)
    client = login(make.user("staff", community=community))
    response = client.post(
        "/duties/events", data={"kind": "emergency", "grid_id": grid.id, "title": "3号楼燃气泄漏"}
    )
    assert response.status_code == 302, response.data
    [sms] = _tick_twice(app, sms_file)
    assert sms["to"] == WORKER_PHONE and "3号楼燃气泄漏" in sms["text"] and "30" in sms["text"]


def test_an_event_reported_through_the_api_reaches_the_grid_workers_phone(app, db, make, api, sms_file):
    community, worker, grid = _grid(make)
    resident = make.user("resident", community=community)
    response = api.as_user(resident).post(
        "/api/v1/duties/events",
        json={"grid_id": grid.id, "kind": "family_accident", "title": "独居老人摔倒", "description": "5栋"},
    )
    assert response.status_code == 201, response.json
    event = response.json
    assert (event["kind"], event["status"], event["responsible_worker_id"]) == (
        "family_accident",
        "reported",
        worker.id,
    )
    [sms] = _tick_twice(app, sms_file)
    assert sms["to"] == WORKER_PHONE and "独居老人摔倒" in sms["text"]
    seen = api.as_user(worker).get(f"/api/v1/duties/events/{event['id']}")
    assert seen.status_code == 200 and seen.json == event


def test_the_api_refuses_an_event_outside_the_callers_community(make, api):
    _community, _worker, grid = _grid(make)
    stranger = make.user("resident")
    response = api.as_user(stranger).post(
        "/api/v1/duties/events", json={"grid_id": grid.id, "kind": "emergency", "title": "起火"}
    )
    assert response.status_code == 400 and "grid_id" in response.json["error"]["fields"]


def test_the_worker_command_once_delivers_what_is_due(app, db, sms_file):
    send_sms(db.session, to="13700000002", text="您的验证码是 123456", kind="sms_code", urgent=True)
    db.session.commit()
    with app.app_context():
        first = app.test_cli_runner().invoke(args=["engage", "worker", "--once"])
        again = app.test_cli_runner().invoke(args=["engage", "worker", "--once"])
    assert first.exit_code == 0 and first.output.strip() == "messages sent 1", first.output
    assert again.output.strip() == "nothing due"
    assert [(line["to"], line["text"]) for line in lines(sms_file)] == [
        ("13700000002", "您的验证码是 123456")
    ]
