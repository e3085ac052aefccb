"""The full loop through the JSON API (docs/api.md "Service orders")."""

from __future__ import annotations

import points
from tests.factories import ApiClient


def _client(make_app, user) -> ApiClient:
    return ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(user)


def test_full_loop_through_the_api(make_app, db, world):
    resident, staff = _client(make_app, world.resident), _client(make_app, world.staff)
    volunteer = _client(make_app, world.volunteers[0])
    codes = [c["code"] for c in resident.get("/api/v1/order-categories").json]
    assert "elderly_care" in codes
    placed = resident.post(
        "/api/v1/orders", json={"category": "elderly_care", "title": "买药", "description": "腿脚不便"}
    )
    assert placed.status_code == 201 and placed.json["status"] == "placed"
    order_id = placed.json["id"]
    assert set(placed.json["deadlines"]) == {"dispatch_by", "accept_by", "sign_by", "resolve_by"}
    assert staff.post(f"/api/v1/orders/{order_id}/dispatch", json={}).json["status"] == "dispatched"
    assert [t["id"] for t in volunteer.get("/api/v1/tasks").json["items"]] == [order_id]
    assert volunteer.post(f"/api/v1/orders/{order_id}/accept").json["status"] == "accepted"
    done = volunteer.post(f"/api/v1/orders/{order_id}/complete", json={"note": "已送到"})
    assert done.json["status"] == "completed"
    rated = resident.post(f"/api/v1/orders/{order_id}/rate", json={"stars": 5, "comment": "好"})
    assert rated.status_code == 200 and rated.json["status"] == "closed"
    assert rated.json["points_awarded"] == 30
    timeline = [(t["status"], t["actor_id"]) for t in rated.json["timeline"]]
    assert timeline == [
        ("placed", world.resident.id),
        ("dispatched", world.staff.id),
        ("accepted", world.volunteers[0].id),
        ("completed", world.volunteers[0].id),
        ("closed", world.resident.id),
    ]
    assert volunteer.get("/api/v1/me").json["points_balance"] == 30
    assert points.verify(db.session) == []


def test_api_errors(make_app, db, make, world):
    resident = _client(make_app, world.resident)
    order_id = resident.post("/api/v1/orders", json={"category": "repair", "title": "修灯"}).json["id"]
    cases = [
        (resident.post("/api/v1/orders", json={"category": "nope", "title": "x"}), 400, "invalid_input"),
        (resident.post("/api/v1/orders", json={"category": "repair", "title": ""}), 400, "invalid_input"),
        (
            resident.post(
                "/api/v1/orders", json={"category": "repair", "title": "x", "description": "长" * 10_000}
            ),
            400,
            "invalid_input",
        ),
        (resident.post(f"/api/v1/orders/{order_id}/rate", json={"stars": 7}), 400, "invalid_input"),
        (resident.post(f"/api/v1/orders/{order_id}/rate", json={"stars": 5}), 409, "invalid_transition"),
        (resident.post(f"/api/v1/orders/{order_id}/dispatch", json={}), 403, "forbidden"),
        (
            _client(make_app, make.user("staff")).post(f"/api/v1/orders/{order_id}/dispatch", json={}),
            404,
            "not_found",
        ),
        (resident.get("/api/v1/orders/999999"), 404, "not_found"),
        (resident.get("/api/v1/orders?status=bogus"), 400, "invalid_input"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json["error"]["code"]) == (status, code), response.json
    assert resident.get(f"/api/v1/orders/{order_id}").json["status"] == "placed"


def test_already_taken_through_the_api(make_app, world):
    staff = _client(make_app, world.staff)
    order_id = (
        _client(make_app, world.resident)
        .post("/api/v1/orders", json={"category": "errand", "title": "取快递"})
        .json["id"]
    )
    staff.post(f"/api/v1/orders/{order_id}/dispatch", json={})
    first = _client(make_app, world.volunteers[0]).post(f"/api/v1/orders/{order_id}/accept")
    second = _client(make_app, world.volunteers[1]).post(f"/api/v1/orders/{order_id}/accept")
    assert first.status_code == 200
    assert (second.status_code, second.json["error"]["code"]) == (409, "already_taken")


def test_list_orders_by_status_is_scoped(make_app, make, world):
    resident = _client(make_app, world.resident)
    resident.post("/api/v1/orders", json={"category": "errand", "title": "取快递"})
    assert resident.get("/api/v1/orders?status=placed").json["total"] == 1
    other = _client(make_app, make.user("resident", community=world.community))
    assert other.get("/api/v1/orders").json["total"] == 0
    assert _client(make_app, world.staff).get("/api/v1/orders?status=placed").json["total"] == 1
