"""Order categories belong to one community: only its staff and its street's admins change them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.errors import NotFound
from engage.orders import categories
from engage.orders.models import OrderCategory

FORM = {
    "code": "errand",
    "name": "改名",
    "points": 99,
    "skill": "",
    "dispatch_hours": 2,
    "accept_hours": 2,
    "resolve_hours": 2,
    "active": "y",
}


def _errand(db, world) -> OrderCategory:
    db.session.rollback()
    return db.session.scalar(
        select(OrderCategory).where(
            OrderCategory.community_id == world.community.id, OrderCategory.code == "errand"
        )
    )


def _admin_elsewhere(make):
    street = make.street()
    return make.user("admin", street_id=street.id, community=make.community(street))


@pytest.mark.parametrize("outsider", ["staff of another community", "admin of another street"])
def test_another_communitys_category_cannot_be_edited_or_added_to(db, make, world, signed_in, outsider):
    actor = make.user("staff") if outsider.startswith("staff") else _admin_elsewhere(make)
    errand = _errand(db, world)
    with pytest.raises(NotFound):
        categories.save_category(db.session, actor, {"name": "改名", "points": 99}, errand.id)
    db.session.rollback()
    with pytest.raises(NotFound):
        categories.save_category(db.session, actor, {**FORM, "code": "new"}, community_id=world.community.id)
    db.session.rollback()
    assert signed_in(actor).post(f"/orders/categories/{errand.id}", data=FORM).status_code == 404
    assert (_errand(db, world).name, _errand(db, world).points) == ("代办跑腿", 15)
    assert db.session.scalar(select(OrderCategory).where(OrderCategory.code == "new")) is None


def test_the_communitys_staff_and_street_admin_edit_it(db, world, signed_in):
    errand = _errand(db, world)
    for editor, points in ((world.staff, 18), (world.admin, 21)):
        response = signed_in(editor).post(f"/orders/categories/{errand.id}", data={**FORM, "points": points})
        assert response.status_code == 302 and _errand(db, world).points == points
