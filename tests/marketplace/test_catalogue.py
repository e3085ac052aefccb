"""The catalogue: one service-centre counter per community, however it is first opened, and
stock changes that answer with what the database holds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace import catalogue
from marketplace.models import Location, Stock
from tests.factories import reread, together


@pytest.mark.concurrency
def test_first_writes_at_once_open_one_counter(app, db, make):
    """It was read-then-insert: two first writes at once each opened a counter."""
    community_id = make.community().id
    results = together(app, [lambda session: catalogue.counter(session, community_id).id for _ in range(6)])
    assert len(set(results)) == 1 and isinstance(results[0], int)
    reread(db.session)
    assert (
        db.session.scalar(select(func.count()).select_from(Location).where(Location.kind == "counter")) == 1
    )


def test_a_kiosk_is_not_taken_for_the_counter(db, mall):
    counter = catalogue.counter(db.session, mall.community.id)
    assert counter.kind == "counter" and counter.id != mall.kiosk_location.id
    assert catalogue.counter(db.session, mall.community.id).id == counter.id


def test_restock_returns_the_quantity_the_database_has(db, mall, reward):
    """A Stock already loaded (a staff page listing it) is the object restock returns: the
    conditional UPDATE must not leave it at the quantity it was read with."""
    soap = reward(stock=5)
    counter = catalogue.find_counter(db.session, mall.community.id)
    held = db.session.get(Stock, (soap.id, counter.id))
    assert held.quantity == 5
    assert catalogue.restock(db.session, mall.staff, soap.id, counter.id, 3).quantity == 8
    assert catalogue.restock(db.session, mall.staff, soap.id, counter.id, -2, note="破损").quantity == 6
    assert held.quantity == 6


def test_the_first_restock_at_a_place_returns_its_quantity(db, mall, reward):
    soap = reward(stock=0)
    stock = catalogue.restock(db.session, mall.staff, soap.id, mall.kiosk_location.id, 4)
    assert (stock.location_id, stock.quantity) == (mall.kiosk_location.id, 4)
