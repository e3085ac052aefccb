"""docs/api.md "Activities": post, list, enrol, codes, check-in and check-out."""

from __future__ import annotations

from datetime import timedelta

from engage.activities.models import Activity
from points.base import utcnow
from tests.factories import ApiClient


def _client(make_app, user) -> ApiClient:
    return ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(user)


def test_activity_loop_through_the_api(make_app, db, crew):
    staff, (volunteer, other, _third) = crew
    staff_api, vol_api, other_api = (_client(make_app, u) for u in (staff, volunteer, other))
    start = utcnow() + timedelta(days=1)
    created = staff_api.post(
        "/api/v1/activities",
        json={
            "title": "垃圾分类宣传",
            "kind": "civilization",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "capacity": 1,
            "points_per_hour": 20,
            "location": "小区广场",
            "waitlist": False,
        },
    )
    assert created.status_code == 201 and created.json["enrolled"] == 0
    activity_id = created.json["id"]
    assert [a["id"] for a in vol_api.get("/api/v1/activities").json["items"]] == [activity_id]
    assert vol_api.post(f"/api/v1/activities/{activity_id}/enroll").json == {"status": "enrolled"}
    again = vol_api.post(f"/api/v1/activities/{activity_id}/enroll")
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_enrolled")
    full = other_api.post(f"/api/v1/activities/{activity_id}/enroll")
    assert (full.status_code, full.json["error"]["code"]) == (409, "activity_full")

    activity = db.session.get(Activity, activity_id)  # let it run: started 2 hours ago
    activity.starts_at, activity.ends_at = utcnow() - timedelta(hours=2), utcnow() + timedelta(minutes=1)
    db.session.commit()
    code = staff_api.get(f"/api/v1/activities/{activity_id}/checkin-code").json
    assert code["token"] and code["expires_at"]
    assert vol_api.post(f"/api/v1/activities/{activity_id}/checkin", json={"token": code["token"]}).json[
        "checked_in_at"
    ]
    second_code = staff_api.get(f"/api/v1/activities/{activity_id}/checkin-code").json["token"]
    out = vol_api.post(f"/api/v1/activities/{activity_id}/checkout", json={"token": second_code})
    assert out.status_code == 200 and out.json["points_awarded"] == out.json["hours"] * 20
    me = vol_api.get("/api/v1/me").json
    assert me["service_hours"] == out.json["hours"] and me["points_balance"] == out.json["points_awarded"]


def test_activity_api_errors(make_app, crew):
    staff, (volunteer, *_rest) = crew
    staff_api, vol_api = _client(make_app, staff), _client(make_app, volunteer)
    start = utcnow() + timedelta(days=1)
    body = {
        "title": "x",
        "kind": "patrol",
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
        "capacity": 5,
        "points_per_hour": 1,
        "location": "y",
    }
    for change in (
        {},
        {"capacity": 0},
        {"capacity": 100_000},
        {"points_per_hour": -1},
        {"starts_at": "tomorrow"},
        {"kind": "party"},
    ):
        response = staff_api.post("/api/v1/activities", json={**body, **change})
        assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_input"), change
    assert vol_api.post("/api/v1/activities", json=body).status_code == 403
    assert vol_api.get("/api/v1/activities/1/checkin-code").status_code in (403, 404)
