"""The guarded transitions (核查结案 after the rating period, reopening a badly rated order):
the buttons the order page offers and what the service accepts agree, before and after."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import update

from engage.errors import InvalidTransition
from engage.orders import services
from engage.orders.models import ServiceOrder
from points.base import utcnow

RATING_PERIOD = timedelta(days=3)


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


def _completed_days_ago(db, advance, days: float) -> ServiceOrder:
    order = advance("completed")
    db.session.execute(
        update(ServiceOrder)
        .where(ServiceOrder.id == order.id)
        .values(updated_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()
    db.session.refresh(order)
    return order


def _rated(db, world, advance, stars: int) -> ServiceOrder:
    order = advance("completed")
    services.rate_order(db.session, world.resident, order.id, stars=stars)
    db.session.commit()
    return order


def _page_offers(app, world, order: ServiceOrder, path: str) -> bool:
    html = _login(app, world.staff).get(f"/orders/{order.id}").get_data(as_text=True)
    return f'action="/orders/{order.id}/{path}"' in html


def _service_allows(db, call) -> bool:
    try:
        call()
    except InvalidTransition:
        db.session.rollback()
        return False
    db.session.commit()
    return True


@pytest.mark.parametrize(("days", "allowed"), [(1, False), (2.9, False), (3.1, True), (10, True)])
def test_verify_close_is_offered_exactly_when_the_service_allows_it(app, db, world, advance, days, allowed):
    order = _completed_days_ago(db, advance, days)
    offered = services.available_actions(db.session, world.staff, order, rating_period=RATING_PERIOD)
    assert ("verify_close" in offered) is allowed
    assert _page_offers(app, world, order, "verify-close") is allowed
    closing = partial(services.verify_close, db.session, world.staff, order.id, rating_period=RATING_PERIOD)
    assert _service_allows(db, closing) is allowed


@pytest.mark.parametrize(("days", "status"), [(1, "completed"), (4, "closed")])
def test_the_verify_close_button_and_its_post_agree(app, db, world, advance, days, status):
    order = _completed_days_ago(db, advance, days)
    response = _login(app, world.staff).post(f"/orders/{order.id}/verify-close")
    assert response.status_code == (302 if status == "closed" else 409)
    assert db.session.get(ServiceOrder, order.id, populate_existing=True).status == status


@pytest.mark.parametrize(("stars", "allowed"), [(1, True), (2, True), (3, False), (5, False)])
def test_reopen_is_offered_exactly_when_the_service_allows_it(app, db, world, advance, stars, allowed):
    order = _rated(db, world, advance, stars)
    offered = services.available_actions(db.session, world.staff, order, rating_period=RATING_PERIOD)
    assert ("reopen" in offered) is allowed
    assert _page_offers(app, world, order, "reopen") is allowed
    reopening = partial(services.reopen_order, db.session, world.staff, order.id, note="换人")
    assert _service_allows(db, reopening) is allowed
