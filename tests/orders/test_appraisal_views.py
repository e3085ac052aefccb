"""A unit's 三率 over JSON and on its page: its members and the dispatchers above it; others 404."""

from __future__ import annotations

import pytest

from engage.orders import routing
from engage.orders.models import ServiceOrder
from engage.units.models import Unit

FIELDS = {
    "received",
    "signed_on_time",
    "response_rate",
    "replied",
    "resolution_rate",
    "callbacks",
    "satisfied",
    "satisfaction_rate",
    "returned",
    "reopened",
    "overdue",
    "escalated",
}


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


@pytest.fixture
def returned(db, units, route) -> ServiceOrder:
    """This month, 城管 received one request and returned it."""
    order = route("assigned")
    routing.return_order(db.session, units.member, order.id, reason="不属于城管")
    db.session.commit()
    return order


def test_the_api_answers_the_contract_for_members_and_the_command_centre(api, units, returned):
    for reader in (units.centre, units.member):
        response = api.as_user(reader).get(f"/api/v1/units/{units.city.id}/figures")
        body = response.get_json()
        assert response.status_code == 200 and set(body) == FIELDS
        assert (body["received"], body["returned"], body["response_rate"], body["satisfaction_rate"]) == (
            1,
            1,
            0.0,
            None,
        )
    empty = api.as_user(units.centre).get(f"/api/v1/units/{units.city.id}/figures?period=2020-01")
    assert empty.get_json()["received"] == 0 and empty.get_json()["response_rate"] is None


@pytest.mark.parametrize(
    "who", ["housing_member", "other_centre", "other_member", "staff", "admin", "resident"]
)
def test_anyone_else_gets_404(api, world, units, who):
    reader = getattr(units, who, None) or getattr(world, who)
    response = api.as_user(reader).get(f"/api/v1/units/{units.city.id}/figures?period=2026-11")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_community_staff_read_their_own_communitys_figures(api, db, world):
    community_unit = db.session.query(Unit).filter_by(community_id=world.community.id).one()
    assert api.as_user(world.staff).get(f"/api/v1/units/{community_unit.id}/figures").status_code == 200


def test_a_bad_period_is_400(api, units):
    response = api.as_user(units.centre).get(f"/api/v1/units/{units.city.id}/figures?period=2026-13")
    assert response.status_code == 400 and "period" in response.get_json()["error"]["fields"]


def test_the_figures_page_is_linked_from_the_unit_queue_and_the_department(app, units, returned):
    member = _login(app, units.member)
    url = f"/units/{units.city.id}/figures"
    assert url in member.get("/units/queue").get_data(as_text=True)
    page = member.get(url).get_data(as_text=True)
    assert 'data-test="response-rate">0.0%' in page and 'data-test="received">1<' in page
    centre = _login(app, units.centre)
    assert url in centre.get(f"/units/departments/{units.city.department_id}").get_data(as_text=True)
    assert centre.get(url).status_code == 200
    assert _login(app, units.housing_member).get(url).status_code == 404
