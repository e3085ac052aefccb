"""The unit path over JSON, exactly as docs/api.md "Routing to units" says: each endpoint,
its answer, and its errors (400 invalid_input, 403/404 for non-members, 409 invalid_transition)."""

from __future__ import annotations

import pytest

from tests.factories import ApiClient


@pytest.fixture
def as_user(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    return lambda user: ApiClient(app.test_client()).as_user(user)


def _post(client, order_id: int, action: str, body=None):
    return client.post(f"/api/v1/orders/{order_id}/{action}", json=body if body is not None else {})


def test_the_whole_unit_path_over_json(as_user, world, units, place):
    order_id = place(category="repair", title="路灯不亮").id
    centre, member, staff = as_user(units.centre), as_user(units.member), as_user(world.staff)
    department_ids = [u["id"] for u in centre.get("/api/v1/units?kind=department").json]
    assert units.city.id in department_ids
    assigned = _post(centre, order_id, "assign", {"unit_id": units.city.id, "note": "请尽快"})
    assert assigned.status_code == 200
    body = assigned.json
    assert (body["status"], body["handler_unit_id"], body["first_responder_id"]) == (
        "assigned",
        units.city.id,
        units.centre.id,
    )
    assert (
        body["deadlines"]["sign_by"] and body["deadlines"]["resolve_by"] and len(body["tracking_code"]) == 10
    )
    assert _post(member, order_id, "sign").json["status"] == "signed"
    whistled = _post(staff, order_id, "whistle", {"unit_ids": [units.housing.id], "note": "需要住建配合"})
    assert [(w["unit_id"], w["reported_at"]) for w in whistled.json["whistle"]] == [(units.housing.id, None)]
    assert whistled.json["whistle"][0]["report_by"]
    reported = _post(as_user(units.housing_member), order_id, "report-in", {"note": "已到场"})
    assert reported.status_code == 200 and reported.json["whistle"][0]["reported_at"]
    extension = _post(member, order_id, "extension", {"hours": 24, "reason": "等配件"})
    assert extension.status_code == 202 and extension.json["extensions"][0]["status"] == "pending"
    before = extension.json["deadlines"]["resolve_by"]
    decided = _post(centre, order_id, "extension/decision", {"approve": True})
    assert decided.status_code == 200 and decided.json["deadlines"]["resolve_by"] > before
    replied = _post(member, order_id, "reply", {"result": "已更换灯泡"})
    assert (replied.json["status"], replied.json["result"]) == ("replied", "已更换灯泡")
    redo = _post(centre, order_id, "callback", {"satisfaction": "unsatisfied", "note": "还是不亮"})
    assert (redo.json["status"], redo.json["handler_unit_id"], redo.json["reopen_count"]) == (
        "assigned",
        units.city.id,
        1,
    )
    _post(member, order_id, "sign")
    _post(member, order_id, "reply", {"result": "换了整套灯具"})
    closed = _post(centre, order_id, "callback", {"satisfaction": "satisfied", "note": "满意"})
    assert (closed.json["status"], closed.json["satisfaction"]) == ("closed", "satisfied")
    kinds = [t["event"] for t in closed.json["timeline"]]
    assert kinds[:3] == ["placed", "assign", "sign"] and kinds[-1] == "callback"


def test_return_clears_the_handler_and_keeps_the_reason(as_user, units, route):
    order_id = route("assigned").id
    member = as_user(units.member)
    assert _post(member, order_id, "return", {}).status_code == 400
    returned = _post(member, order_id, "return", {"reason": "不属于城管职责"})
    assert (returned.json["status"], returned.json["handler_unit_id"]) == ("placed", None)
    assert returned.json["timeline"][-1]["note"] == "不属于城管职责"
    assert member.get(f"/api/v1/orders/{order_id}").status_code == 404


@pytest.mark.parametrize(
    ("action", "body", "status"),
    [
        ("sign", None, "signed"),
        ("reply", {"result": "x"}, "assigned"),
        ("callback", {"satisfaction": "satisfied"}, "signed"),
        ("extension", {"hours": 5, "reason": "x"}, "assigned"),
        ("extension/decision", {"approve": True}, "signed"),
        ("report-in", {}, "assigned"),
        ("return", {"reason": "x"}, "replied"),
    ],
)
def test_acting_in_the_wrong_status_is_409(as_user, units, route, action, body, status):
    order = route(status, whistle=action == "report-in")
    actor = units.housing_member if action == "report-in" else units.member
    if action in ("callback", "extension/decision"):
        actor = units.centre
    if action == "report-in":  # reported once already: a second report is the wrong step
        _post(as_user(actor), order.id, action)
    response = _post(as_user(actor), order.id, action, body)
    assert response.status_code == 409 and response.json["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("who", "action", "body", "code"),
    [
        ("requester", "sign", None, 403),
        ("centre", "sign", None, 403),
        ("member", "assign", {"unit_id": 999999}, 403),
        ("member", "callback", {"satisfaction": "satisfied"}, 403),
        ("centre", "whistle", {"unit_ids": ["housing"]}, 403),
        ("other_centre", "assign", {"unit_id": 999999}, 404),
        ("other_member", "sign", None, 404),
        ("housing_member", "sign", None, 404),
        ("housing_member", "report-in", {}, 404),
    ],
)
def test_non_members_are_refused(as_user, world, units, route, who, action, body, code):
    order_id = route("assigned").id
    actor = world.resident if who == "requester" else getattr(units, who)
    if body and body.get("unit_ids") == ["housing"]:
        body = {"unit_ids": [units.housing.id]}
    response = _post(as_user(actor), order_id, action, body)
    assert response.status_code == code, response.json
    assert response.json["error"]["code"] == ("forbidden" if code == 403 else "not_found")


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("assign", {}, "unit_id"),
        ("assign", {"unit_id": "3"}, "unit_id"),
        ("assign", {"unit_id": 999999}, "unit_id"),
        ("callback", {"satisfaction": "great"}, "satisfaction"),
        ("priority", {"priority": "asap"}, "priority"),
        ("answer", {"answer": ""}, "answer"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(as_user, units, place, action, body, field):
    order_id = place().id
    centre = as_user(units.centre)
    response = _post(centre, order_id, action, body)
    assert response.status_code == 400 and field in response.json["error"]["fields"]
    assert centre.get(f"/api/v1/orders/{order_id}").json["status"] == "placed"


def test_extension_and_whistle_refuse_bad_input(as_user, world, units, route):
    order_id = route("signed").id
    member, staff = as_user(units.member), as_user(world.staff)
    assert _post(member, order_id, "extension", {"hours": 0, "reason": "x"}).status_code == 400
    assert _post(member, order_id, "extension", {"hours": 5}).status_code == 400
    assert _post(staff, order_id, "whistle", {"unit_ids": []}).status_code == 400
    assert _post(staff, order_id, "whistle", {"unit_ids": [units.city.id]}).status_code == 400
    assert _post(as_user(units.centre), order_id, "extension/decision", {"approve": "yes"}).status_code == 400


def test_the_openapi_document_lists_the_routing_endpoints(as_user, world):
    paths = as_user(world.staff).get("/api/v1/openapi.json").json["paths"]
    for action in (
        "assign",
        "sign",
        "return",
        "extension",
        "extension/decision",
        "reply",
        "callback",
        "whistle",
    ):
        assert f"/orders/{{order_id}}/{action}" in paths
    assert "/orders/{order_id}/report-in" in paths
