"""The catalogue's stock changes answer with what the database holds."""

from __future__ import annotations

from marketplace import catalogue
from marketplace.models import Stock


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
