"""Grid workers see their grid's requests at once (page, API, their queue); another grid's
worker finds nothing; the grid can handle a request as a unit."""

from __future__ import annotations

import pytest

from engage.errors import NotFound
from engage.orders import routing, services
from engage.units.models import Unit


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


@pytest.fixture
def other_worker(make, world):
    """The worker of another grid of the same community."""
    worker = make.user("grid_worker", community=world.community)
    make.micro_grid(make.grid(world.community, grid_worker=worker))
    return worker


@pytest.fixture
def neighbour(db, make, world):
    """A resident of the community who lives in no micro-grid."""
    return make.user("resident", community=world.community)


def test_a_request_from_a_resident_of_the_grid_is_seen_at_once(app, api, world, other_worker, place):
    order = place()  # the world's resident lives in the grid's micro-grid
    worker = _login(app, world.grid_worker)
    assert worker.get(f"/orders/{order.id}").status_code == 200
    assert f"/orders/{order.id}" in worker.get("/units/queue").get_data(as_text=True)
    response = api.as_user(world.grid_worker).get(f"/api/v1/orders/{order.id}")
    assert response.status_code == 200 and response.get_json()["status"] == "placed"
    listed = api.as_user(world.grid_worker).get("/api/v1/orders").get_json()["items"]
    assert order.id in [item["id"] for item in listed]
    assert _login(app, other_worker).get(f"/orders/{order.id}").status_code == 404
    assert api.as_user(other_worker).get(f"/api/v1/orders/{order.id}").status_code == 404


def test_a_request_placed_from_the_micro_grids_qr_code_is_seen(db, world, other_worker, neighbour):
    order = services.place_order(
        db.session,
        neighbour,
        category="repair",
        title="楼道灯坏",
        channel="qr",
        micro_grid_id=world.micro_grid.id,
    )
    db.session.commit()
    assert services.get_order(db.session, world.grid_worker, order.id).id == order.id
    with pytest.raises(NotFound):
        services.get_order(db.session, other_worker, order.id)


def test_a_resident_who_moved_into_the_grid_is_the_grids(db, world, neighbour):
    order = services.place_order(db.session, neighbour, category="repair", title="水管漏水")
    db.session.commit()
    with pytest.raises(NotFound):
        services.get_order(db.session, world.grid_worker, order.id)
    neighbour.micro_grid_id = world.micro_grid.id
    db.session.commit()
    assert services.get_order(db.session, world.grid_worker, order.id).micro_grid_id is None


def test_the_grid_handles_a_request_as_a_unit(db, world, units, place):
    order = place(category="repair", title="路灯不亮")
    grid = db.session.query(Unit).filter_by(grid_id=world.micro_grid.grid_id).one()
    routing.assign_order(db.session, units.centre, order.id, unit_id=grid.id)
    signed = routing.sign_order(db.session, world.grid_worker, order.id)
    db.session.commit()
    assert (signed.status, signed.handler_unit_id) == ("signed", grid.id)
