"""Real threads: one winner among ten volunteers, one payment for two ratings; tick."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

import points
from engage.orders import services
from engage.orders.deadlines import tick_orders
from engage.orders.models import OrderEvent, ServiceOrder
from points.base import utcnow
from tests.factories import reread, together

pytestmark = pytest.mark.concurrency


def test_ten_volunteers_accept_one_pooled_order_exactly_one_wins(app, db, make, world, advance):
    order_id = advance("dispatched").id
    volunteers = world.volunteers + [make.user("volunteer", community=world.community) for _ in range(7)]
    ids = [v.id for v in volunteers]
    results = together(
        app,
        [
            lambda s, vid=vid: services.accept_order(s, s.get(type(world.staff), vid), order_id).volunteer_id
            for vid in ids
        ],
    )
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(getattr(e, "code", None) == "already_taken" for e in losers), losers
    reread(db.session)
    assert db.session.get(ServiceOrder, order_id).volunteer_id == winners[0]


def test_rating_twice_at_once_pays_once(app, db, world, advance):
    order_id = advance("completed").id
    resident_id = world.resident.id
    results = together(
        app,
        [
            lambda s, stars=stars: (
                services.rate_order(
                    s, s.get(type(world.staff), resident_id), order_id, stars=stars
                ).points_awarded
            )
            for stars in (5, 3)
        ],
    )
    assert sum(isinstance(r, int) for r in results) == 1, results
    reread(db.session)
    paid = db.session.get(ServiceOrder, order_id).points_awarded
    assert points.balance(db.session, f"user:{world.volunteers[0].id}").total == paid
    assert points.verify(db.session) == []


def _tick(db, now):
    result = tick_orders(db.session, now=now, zone=ZoneInfo("Asia/Shanghai"))
    db.session.commit()
    return result


def _next_local_noon(moment):
    zone = ZoneInfo("Asia/Shanghai")
    noon = moment.astimezone(zone).replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon >= moment else noon + timedelta(days=1)


def test_tick_reminds_daily_escalates_up_to_three_and_is_idempotent(db, world, place):
    order = place()
    created = order.created_at
    assert _tick(db, created + timedelta(hours=1)).reminded == 0  # not overdue yet
    # Reminders are once per local day: tick first at local noon, so that the second tick
    # five minutes later falls on the same day whatever the hour the test runs at.
    first_at = _next_local_noon(created + timedelta(hours=24, minutes=1))
    first = _tick(db, first_at)
    assert (first.reminded, first.escalated) == (1, 0)
    again = _tick(db, first_at + timedelta(minutes=5))
    assert (again.reminded, again.escalated) == (0, 0)
    day3 = _tick(db, created + timedelta(days=3, hours=2))
    assert (day3.reminded, day3.escalated) == (1, 1)
    db.session.expire_all()
    assert db.session.get(ServiceOrder, order.id).escalation_level == 2
    for extra in range(5, 12):
        _tick(db, created + timedelta(days=extra, hours=2))
    db.session.expire_all()
    assert db.session.get(ServiceOrder, order.id).escalation_level == 3
    kinds = db.session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order.id)).all()
    assert kinds.count("escalated") == 2 and "reminded" in kinds


def test_tick_command_twice_changes_nothing_the_second_time(app, db, world, place):
    order = place()
    order.dispatch_by = utcnow() - timedelta(days=2)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["engage", "tick"])
    events = db.session.scalar(select(func.count()).select_from(OrderEvent))
    second = runner.invoke(args=["engage", "tick"])
    assert first.exit_code == 0 and "reminded 1" in first.output and "escalated 1" in first.output
    assert second.exit_code == 0 and "reminded 0" in second.output and "escalated 0" in second.output
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(OrderEvent)) == events
