"""Every transition, allowed and refused, per party, through the service layer.

The allowed set below is written out by hand from the product rules (not derived
from ``workflow.TRANSITIONS``), so a wrong row in the table makes this fail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.errors import DomainError
from engage.orders import services
from engage.orders.models import OrderEvent, ServiceOrder
from points.base import utcnow

STATUSES = ("placed", "dispatched", "accepted", "completed", "closed", "cancelled")
PARTIES = ("staff", "requester", "assignee", "other_volunteer", "outsider_staff", "grid_worker")
ACTIONS = {
    "dispatch": lambda s, a, o: services.dispatch_order(s, a, o),
    "accept": lambda s, a, o: services.accept_order(s, a, o),
    "complete": lambda s, a, o: services.complete_order(s, a, o, note="完成了"),
    "rate": lambda s, a, o: services.rate_order(s, a, o, stars=4),
    "cancel": lambda s, a, o: services.cancel_order(s, a, o, reason="不需要了"),
    "reopen": lambda s, a, o: services.reopen_order(s, a, o, note="重新派单"),
    "verify_close": lambda s, a, o: services.verify_close(
        s, a, o, now=utcnow() + timedelta(days=10), rating_period=timedelta(days=3)
    ),
}
ALLOWED = {
    ("placed", "dispatch", "staff"): "dispatched",
    ("placed", "cancel", "staff"): "cancelled",
    ("placed", "cancel", "requester"): "cancelled",
    ("dispatched", "accept", "assignee"): "accepted",
    ("dispatched", "accept", "other_volunteer"): "accepted",
    ("dispatched", "cancel", "staff"): "cancelled",
    ("dispatched", "cancel", "requester"): "cancelled",
    ("accepted", "complete", "assignee"): "completed",
    ("accepted", "cancel", "staff"): "cancelled",
    ("completed", "rate", "requester"): "closed",
    ("completed", "verify_close", "staff"): "closed",
    ("completed", "cancel", "staff"): "cancelled",
}


def _actor(world, make, party):
    return {
        "staff": world.staff,
        "requester": world.resident,
        "assignee": world.volunteers[0],
        "other_volunteer": world.volunteers[1],
        "grid_worker": world.grid_worker,
        "outsider_staff": None,
    }[party] or make.user("staff")


def _at(db, world, advance, status):
    if status != "cancelled":
        return advance(status)
    order = advance("placed")
    order = services.cancel_order(db.session, world.staff, order.id, reason="测试")
    db.session.commit()
    return order


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_matrix(db, make, world, advance, status, action):
    for party in PARTIES:
        order = _at(db, world, advance, status)
        actor = _actor(world, make, party)
        events = db.session.scalar(
            select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order.id)
        )
        expected = ALLOWED.get((status, action, party))
        if expected:
            changed = ACTIONS[action](db.session, actor, order.id)
            db.session.commit()
            assert changed.status == expected, (status, action, party)
            assert changed.events[-1].actor_id == actor.id
        else:
            with pytest.raises(DomainError):
                ACTIONS[action](db.session, actor, order.id)
            db.session.rollback()
            assert db.session.get(ServiceOrder, order.id).status == status, (status, action, party)
            assert (
                db.session.scalar(
                    select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order.id)
                )
                == events
            )


def test_reopen_only_badly_rated_orders(db, world, advance):
    order = advance("completed")
    services.rate_order(db.session, world.resident, order.id, stars=2, comment="来晚了")
    reopened = services.reopen_order(db.session, world.staff, order.id, note="换人再派")
    db.session.commit()
    assert reopened.status == "placed" and reopened.volunteer_id is None
