"""Residents answer the 回访 themselves: through the same service and rows of the table as
the dispatcher's callback, once."""

from __future__ import annotations

import pytest

from engage.errors import InvalidTransition
from engage.orders import routing
from engage.orders.models import ServiceOrder


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


def _order(db, order_id: int) -> ServiceOrder:
    return db.session.get(ServiceOrder, order_id, populate_existing=True)


def test_the_requester_closes_or_reopens_with_their_own_answer(db, world, units, route):
    satisfied = routing.callback_order(
        db.session, world.resident, route("replied").id, satisfaction="basically"
    )
    db.session.commit()
    assert (satisfied.status, satisfied.satisfaction) == ("closed", "basically")
    assert satisfied.events[-1].actor_id == world.resident.id
    unhappy = routing.callback_order(
        db.session, world.resident, route("replied").id, satisfaction="unsatisfied", note="灯还是不亮"
    )
    db.session.commit()
    assert (unhappy.status, unhappy.reopen_count, unhappy.handler_unit_id) == ("assigned", 1, units.city.id)


def test_a_callback_already_recorded_refuses_the_second(db, world, units, route):
    order = route("replied")
    routing.callback_order(db.session, units.centre, order.id, satisfaction="satisfied")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        routing.callback_order(db.session, world.resident, order.id, satisfaction="unsatisfied")
    db.session.rollback()
    assert (_order(db, order.id).status, _order(db, order.id).satisfaction) == ("closed", "satisfied")


def test_the_requester_answers_on_the_order_page_once(app, db, world, units, route):
    order = route("signed")
    resident = _login(app, world.resident)
    assert 'data-test="my-callback-submit"' not in resident.get(f"/orders/{order.id}").get_data(as_text=True)
    order = route("replied")
    page = resident.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'data-test="my-callback-submit"' in page and "基本满意" in page
    answer = {"callback-satisfaction": "satisfied", "callback-note": "修好了"}
    assert resident.post(f"/orders/{order.id}/callback", data=answer).status_code == 302
    assert _order(db, order.id).status == "closed"
    again = resident.post(f"/orders/{order.id}/callback", data=answer, follow_redirects=True)
    assert 'data-test="my-callback-submit"' not in again.get_data(as_text=True)
    assert [e.kind for e in _order(db, order.id).events].count("callback") == 1


def test_the_requester_answers_over_the_api_and_a_second_answer_is_409(db, world, api, route):
    order = route("replied")
    client = api.as_user(world.resident)
    response = client.post(f"/api/v1/orders/{order.id}/callback", json={"satisfaction": "satisfied"})
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    again = client.post(f"/api/v1/orders/{order.id}/callback", json={"satisfaction": "unsatisfied"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
