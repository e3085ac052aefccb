"""The catalogue's places: one service-centre counter per community, however it is first opened."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace import catalogue
from marketplace.models import Location
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
