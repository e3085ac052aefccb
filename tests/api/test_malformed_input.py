"""Issue 15, item 8: malformed input gets ``400 invalid_input`` naming the field (or a 404 for an
id no row can have), never a 500, and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

import points
from engage.auth.models import User
from engage.orders.models import ServiceOrder
from engage.validation import DatabaseInt
from tests.factories import ApiClient

HUGE = "99999999999999999999"
WRONG_IDS = ["4", [4], 4.5, {"id": 4}, True]


@dataclass
class Cast:
    staff: User
    resident: User
    volunteer: User
    grid_worker: User


@pytest.fixture
def cast(make, funded_community) -> Cast:
    community = funded_community
    return Cast(
        make.user("staff", community=community),
        make.user("resident", community=community),
        make.user("volunteer", community=community),
        make.user("grid_worker", community=community),
    )


@pytest.fixture
def as_user(make_app):
    return lambda user: ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(user)


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "invalid_input"
    assert field in response.json["error"]["fields"], response.json


def _orders(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ServiceOrder))


def test_every_int_route_segment_is_bounded_to_the_database_range(app):
    converters = [
        c
        for rule in app.url_map.iter_rules()
        for c in rule._converters.values()
        if isinstance(c, IntegerConverter)
    ]
    assert converters and all(isinstance(c, DatabaseInt) for c in converters)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/api/v1/orders/{HUGE}"),
        ("post", f"/api/v1/orders/{HUGE}/accept"),
        ("post", f"/api/v1/redemptions/{HUGE}/refund"),
        ("get", f"/api/v1/duties/care-targets/{HUGE}"),
        ("get", f"/api/v1/hierarchy/households/{HUGE}"),
        ("get", f"/orders/{HUGE}"),
        ("get", f"/public/figures/{HUGE}"),
        ("get", f"/public/rankings/{HUGE}"),
        ("get", f"/rewards/{HUGE}"),
    ],
)
def test_ids_beyond_the_database_range_in_paths_are_not_found(as_user, signed_in, cast, method, path):
    client = as_user(cast.staff) if path.startswith("/api/") else signed_in(cast.staff).open
    if path.startswith("/api/"):
        response = getattr(client, method)(path)
    else:
        response = client(path, method=method.upper())
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/orders/mine", "/notifications", f"/points/budget?community={HUGE}", f"/dashboard?community={HUGE}"],
)
def test_oversized_numbers_in_page_query_strings_fall_back(signed_in, cast, path):
    separator = "&" if "?" in path else "?"
    assert signed_in(cast.staff).get(f"{path}{separator}page={HUGE}").status_code == 200


def test_oversized_page_in_the_api_is_invalid_input(as_user, cast):
    _refused(as_user(cast.resident).get(f"/api/v1/orders?page={HUGE}"), "page")


@pytest.mark.parametrize("value", WRONG_IDS)
def test_on_behalf_of_must_be_an_id(db, as_user, cast, value):
    response = as_user(cast.grid_worker).post(
        "/api/v1/orders",
        json={
            "category": "repair",
            "title": "修灯",
            "on_behalf_of": value if value != "4" else str(cast.resident.id),
        },
    )
    _refused(response, "on_behalf_of")
    assert _orders(db) == 0


@pytest.mark.parametrize("value", WRONG_IDS)
def test_volunteer_id_must_be_an_id(db, as_user, cast, value):
    placed = as_user(cast.resident).post("/api/v1/orders", json={"category": "repair", "title": "修灯"})
    order_id = placed.json["id"]
    _refused(
        as_user(cast.staff).post(f"/api/v1/orders/{order_id}/dispatch", json={"volunteer_id": value}),
        "volunteer_id",
    )
    assert db.session.get(ServiceOrder, order_id).status == "placed"


@pytest.mark.parametrize("value", WRONG_IDS)
def test_awards_to_a_malformed_user_id_pay_nobody(db, as_user, cast, value):
    response = as_user(cast.staff).post(
        "/api/v1/points/awards",
        headers={"Idempotency-Key": "k1"},
        json={"user_id": str(cast.volunteer.id) if value == "4" else value, "amount": 5, "memo": "谢谢"},
    )
    _refused(response, "user_id")
    assert points.balance(db.session, f"user:{cast.volunteer.id}").total == 0


def _activity(**overrides) -> dict:
    return {
        "title": "巡逻",
        "kind": "patrol",
        "starts_at": "2030-05-01T09:00:00+08:00",
        "ends_at": "2030-05-01T11:00:00+08:00",
        "capacity": 5,
        "points_per_hour": 10,
        "location": "社区",
        **overrides,
    }


def _activities(db) -> int:
    from engage.activities.models import Activity

    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Activity))


@pytest.mark.parametrize(
    "body, field",
    [
        (_activity(starts_at="0001-01-01T00:00:00+14:00"), "starts_at"),
        (
            _activity(
                starts_at="9999-12-31T00:00:00+00:00", ends_at="9999-12-31T02:00:00+00:00", repeat_weeks=26
            ),
            "starts_at",
        ),
        (_activity(ends_at="2030-05-01T11:00:00"), "ends_at"),
        (_activity(waitlist="false"), "waitlist"),
        (_activity(team_id=4.5), "team_id"),
        (_activity(title={"a": 1}), "title"),
        (_activity(location="社\x00区"), "location"),
        (_activity(title="巡\ud800逻"), "title"),
    ],
)
def test_malformed_activity_fields_are_refused(db, as_user, cast, body, field):
    _refused(as_user(cast.staff).post("/api/v1/activities", json=body), field)
    assert _activities(db) == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": {"a": 1}}, "title"),
        ({"description": ["x"]}, "description"),
        ({"title": "修\x00灯"}, "title"),
        ({"description": "\ud800"}, "description"),
        ({"category": 7}, "category"),
        ({"channel": True}, "channel"),
    ],
)
def test_malformed_order_text_is_refused_not_stored_as_its_repr(db, as_user, cast, overrides, field):
    response = as_user(cast.resident).post(
        "/api/v1/orders", json={"category": "repair", "title": "修灯", **overrides}
    )
    _refused(response, field)
    assert _orders(db) == 0


@pytest.mark.parametrize(
    "path, headers", [("/api/v1/orders", {}), ("/api/v1/points/awards", {"Idempotency-Key": "deep"})]
)
def test_a_body_nested_100000_deep_is_invalid_input(as_user, cast, path, headers):
    body = "[" * 100_000 + "]" * 100_000
    response = as_user(cast.staff).post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"


def test_a_visit_dated_year_one_is_invalid_input(as_user, cast):
    response = as_user(cast.staff).post(
        "/api/v1/duties/visits",
        json={"target_id": 1, "visited_at": "0001-01-01T00:00:00+14:00", "kind": "home"},
    )
    _refused(response, "visited_at")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/duties/compliance?period=9999-12",
        "/api/v1/duties/compliance?period=0000-01",
        "/api/v1/rankings/volunteers?period=9999-12",
        "/api/v1/rankings/volunteers?period=9999-Q4",
        "/api/v1/rankings/property-companies?period=9999-Q4",
    ],
)
def test_periods_beyond_the_calendar_are_invalid_input(as_user, cast, path):
    _refused(as_user(cast.staff).get(path), "period")


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard?period=9999-12",
        "/dashboard?period=0000-01",
        "/dashboard.xlsx?period=9999-Q4",
        "/duties/compliance?period=9999-12",
        "/rankings/volunteers?period=9999-12",
    ],
)
def test_pages_answer_periods_beyond_the_calendar_in_chinese(signed_in, make, cast, path):
    admin = make.user("admin", street_id=cast.staff.community.street_id, community=cast.staff.community)
    response = signed_in(admin).get(path)
    assert response.status_code == 400
    assert "期间格式无效" in response.get_data(as_text=True)


def test_a_nul_in_a_page_form_is_refused_in_chinese_and_nothing_is_stored(db, signed_in, cast):
    client = signed_in(cast.resident)
    response = client.post("/orders/new", data={"category": "repair", "title": "修\x00灯", "description": ""})
    assert response.status_code == 400 and "包含无法保存的字符" in response.get_data(as_text=True)
    assert _orders(db) == 0


def test_a_nul_in_a_query_string_names_the_field(as_user, cast):
    _refused(as_user(cast.resident).get("/api/v1/me/points?kind=award%00"), "kind")
