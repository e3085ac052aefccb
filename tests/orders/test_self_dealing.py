"""Nobody is on both sides of an order: a resident who is also a volunteer cannot take,
finish or pay for their own order, in the service, on the pages and over the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

import points
from engage.errors import Forbidden, Invalid
from engage.orders import queries, services
from engage.orders.models import ServiceOrder
from points.base import utcnow
from tests.factories import ApiClient


@pytest.fixture
def both(make, world):
    """A resident of the world's community who is also one of its volunteers."""
    return make.user("resident", "volunteer", community=world.community)


@pytest.fixture
def own_order(db, world, both):
    """``both``'s own order, dispatched to the community's pool."""
    order = services.place_order(db.session, both, category="elderly_care", title="陪我去医院")
    services.dispatch_order(db.session, world.staff, order.id)
    db.session.commit()
    return order


def _served_by(db, order_id: int, user) -> None:
    """As if the order had been taken by ``user`` before this rule existed."""
    db.session.execute(update(ServiceOrder).where(ServiceOrder.id == order_id).values(volunteer_id=user.id))
    db.session.commit()


def test_requester_cannot_accept_their_own_order(db, world, both, own_order):
    assert "accept" not in services.available_actions(
        db.session, both, own_order, rating_period=timedelta(days=3)
    )
    assert own_order.id not in [o.id for o in queries.task_board(db.session, both).items]
    with pytest.raises(Forbidden, match="自己发起的订单"):
        services.accept_order(db.session, both, own_order.id)
    db.session.rollback()
    assert db.session.get(ServiceOrder, own_order.id).status == "dispatched"
    services.accept_order(db.session, world.volunteers[0], own_order.id)


def test_staff_cannot_dispatch_an_order_to_its_requester(db, world, both):
    order = services.place_order(db.session, both, category="elderly_care", title="陪我去医院")
    db.session.commit()
    with pytest.raises(Invalid, match="下单人自己"):
        services.dispatch_order(db.session, world.staff, order.id, volunteer_id=both.id)
    db.session.rollback()
    assert db.session.get(ServiceOrder, order.id).status == "placed"
    suggested = [s.volunteer.id for s in queries.suggest_volunteers(db.session, world.staff, order.id)]
    assert both.id not in suggested and suggested


def test_requester_serving_their_own_order_cannot_complete_it(db, world, both, own_order):
    services.accept_order(db.session, world.volunteers[0], own_order.id)
    db.session.commit()
    _served_by(db, own_order.id, both)
    with pytest.raises(Forbidden, match="自己发起的订单"):
        services.complete_order(db.session, both, own_order.id, note="完成")
    db.session.rollback()
    assert db.session.get(ServiceOrder, own_order.id).status == "accepted"


def test_requester_cannot_rate_their_own_work(db, world, both, own_order):
    services.accept_order(db.session, world.volunteers[0], own_order.id)
    services.complete_order(db.session, world.volunteers[0], own_order.id, note="完成")
    db.session.commit()
    _served_by(db, own_order.id, both)
    with pytest.raises(Forbidden, match="自己服务的订单"):
        services.rate_order(db.session, both, own_order.id, stars=5)
    db.session.rollback()
    assert db.session.get(ServiceOrder, own_order.id).status == "completed"
    assert points.balance(db.session, f"user:{both.id}").total == 0


def test_staff_who_served_an_order_cannot_close_it_and_pay_themselves(db, make, world, place):
    staff_volunteer = make.user("staff", "volunteer", community=world.community)
    order = place()
    services.dispatch_order(db.session, world.staff, order.id)
    services.accept_order(db.session, staff_volunteer, order.id)
    services.complete_order(db.session, staff_volunteer, order.id, note="完成")
    db.session.commit()
    later = utcnow() + timedelta(days=10)
    assert "verify_close" not in services.available_actions(
        db.session, staff_volunteer, order, rating_period=timedelta(days=3), now=later
    )
    with pytest.raises(Forbidden, match="自己服务的订单"):
        services.verify_close(
            db.session, staff_volunteer, order.id, now=later, rating_period=timedelta(days=3)
        )
    db.session.rollback()
    assert (
        services.verify_close(
            db.session, world.staff, order.id, now=later, rating_period=timedelta(days=3)
        ).status
        == "closed"
    )


def test_accepting_ones_own_order_on_the_page_is_403(signed_in, db, world, both, own_order):
    client = signed_in(both)
    assert f'data-test="order-{own_order.id}"' not in client.get("/tasks").get_data(as_text=True)
    response = client.post(f"/orders/{own_order.id}/accept")
    assert response.status_code == 403 and "自己发起的订单" in response.get_data(as_text=True)
    assert db.session.get(ServiceOrder, own_order.id).status == "dispatched"


def test_accepting_ones_own_order_over_the_api_is_403(make_app, db, both, own_order):
    api = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(both)
    response = api.post(f"/api/v1/orders/{own_order.id}/accept")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert "自己发起的订单" in response.json["error"]["message"]
    assert db.session.get(ServiceOrder, own_order.id).status == "dispatched"
