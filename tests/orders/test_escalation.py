"""四流转 on a fixed clock (engage/orders/levels.py): an overdue request climbs one level per
full day from its handling unit's level — grid, community, street, district — each level
finds it in its queue's 督办 filter and may reassign it, every step is on the timeline, and
ticks run twice or at once raise each level once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engage.errors import NotFound
from engage.escalation import raise_level
from engage.notifications.models import Notification
from engage.orders import queries, routing
from engage.orders.deadlines import tick_orders
from engage.orders.models import OrderEvent, ServiceOrder
from engage.units.models import Unit
from tests.factories import reread, together

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSIGNED = datetime(2026, 11, 2, 10, tzinfo=SHANGHAI)
SIGN_BY = ASSIGNED + timedelta(hours=24)  # the repair category: sign within 24 hours


@dataclass
class Places:
    """The world's units at each level, and a second grid to reassign to."""

    grid: Unit
    other_grid: Unit
    community: Unit
    street: Unit
    company: Unit


@pytest.fixture
def places(make, world) -> Places:
    community = world.community
    company = make.company(community.street)
    make.compound(community, company)
    return Places(
        grid=make.unit(world.micro_grid.grid),
        other_grid=make.unit(make.grid(community)),
        community=make.unit(community),
        street=make.unit(community.street),
        company=make.unit(company),
    )


@pytest.fixture
def held(db, units, place):
    """``held(unit)``: a request the command centre assigned to ``unit`` at ASSIGNED."""

    def do(unit: Unit) -> ServiceOrder:
        order = place(category="repair", title="路灯不亮", now=ASSIGNED - timedelta(hours=1))
        routing.assign_order(db.session, units.centre, order.id, unit_id=unit.id, now=ASSIGNED)
        db.session.commit()
        return order

    return do


def tick(db, days: float):
    """``tick`` at SIGN_BY plus ``days``, committed as the job does."""
    result = tick_orders(db.session, now=SIGN_BY + timedelta(days=days), zone=SHANGHAI)
    db.session.commit()
    return result


def level_of(db, order: ServiceOrder) -> int:
    reread(db.session)
    return db.session.get(ServiceOrder, order.id).escalation_level


def escalated_ids(db, actor) -> list[int]:
    reread(db.session)
    query = queries.staff_queue_query(db.session, actor, status=None, escalated=True)
    return [order.id for order in db.session.scalars(query)]


def told(db, user, order: ServiceOrder) -> list[str]:
    reread(db.session)
    return [
        n.message
        for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
        if "督办" in n.message and order.title in n.message
    ]


def test_a_grid_request_climbs_one_level_per_full_day_to_the_command_centre(db, world, units, places, held):
    order = held(places.grid)
    dispatchers = {1: world.staff, 2: world.admin, 3: units.centre}
    first = tick(db, 0.5)  # half a day late: reminded, not escalated
    assert (first.reminded, first.escalated, level_of(db, order)) == (1, 0, 0)
    for day, level in ((1, 1), (2, 2), (3, 3)):
        assert tick(db, day + 0.1).escalated == 1
        assert level_of(db, order) == level
        assert tick(db, day + 0.2).escalated == 0  # the same day again: nothing more
        for at, dispatcher in dispatchers.items():
            assert (order.id in escalated_ids(db, dispatcher)) == (at == level), (day, at)
            assert len(told(db, dispatcher, order)) == (1 if at <= level else 0), (day, at)
    assert tick(db, 6).escalated == 0  # the district is the top
    steps = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "escalated")
    ).all()
    assert [(s.level, s.unit_id, s.due) for s in steps] == [(n, places.grid.id, SIGN_BY) for n in (1, 2, 3)]
    assert not told(db, units.member, order)  # 城管 has nothing to do with it


@pytest.mark.parametrize(
    "unit, levels",
    [
        ("grid", [1, 2, 3]),
        ("company", [1, 2, 3]),
        ("community", [2, 3, 3]),
        ("street", [3, 3, 3]),
        ("department", [3, 3, 3]),
    ],
)
def test_escalation_starts_from_the_handling_units_level(db, units, places, held, unit, levels):
    order = held(units.city if unit == "department" else getattr(places, unit))
    reached = []
    for day in (1, 2, 3):
        tick(db, day + 0.1)
        reached.append(level_of(db, order))
    assert reached == levels
    raised = db.session.scalars(
        select(OrderEvent.level).where(OrderEvent.order_id == order.id, OrderEvent.kind == "escalated")
    ).all()
    assert raised == sorted(set(levels))  # one 督办 step per level reached


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_level_reached_finds_it_in_its_queue_and_reassigns_it(db, world, units, places, held, level):
    order = held(places.grid)
    for day in range(1, level + 1):
        tick(db, day + 0.1)
    dispatcher = {1: world.staff, 2: world.admin, 3: units.centre}[level]
    assert escalated_ids(db, dispatcher) == [order.id]
    routing.assign_order(db.session, dispatcher, order.id, unit_id=places.other_grid.id, note="改派网格二")
    db.session.commit()
    reread(db.session)
    moved = db.session.get(ServiceOrder, order.id)
    assert (moved.status, moved.handler_unit_id, moved.escalation_level) == (
        "assigned",
        places.other_grid.id,
        0,
    )
    assert escalated_ids(db, dispatcher) == []
    kinds = [e.kind for e in moved.events]
    assert kinds[-2:] == ["escalated", "reassign"] and kinds.count("escalated") == level


def test_signing_or_an_approved_extension_starts_escalation_over(db, world, units, places, held):
    order = held(places.grid)
    tick(db, 1.1)
    assert level_of(db, order) == 1
    routing.sign_order(db.session, world.grid_worker, order.id, now=SIGN_BY + timedelta(days=1, hours=3))
    db.session.commit()
    assert level_of(db, order) == 0  # now working against resolve_by, which is days away
    assert escalated_ids(db, world.staff) == []


def test_ticks_at_once_escalate_and_notify_each_level_once(app, db, world, places, held):
    order = held(places.grid)
    now = SIGN_BY + timedelta(days=1, hours=2)
    results = together(app, [lambda s: tick_orders(s, now=now, zone=SHANGHAI) for _ in range(4)])
    assert sum(r.escalated for r in results) == 1, results
    assert sum(r.reminded for r in results) == 1, results
    assert level_of(db, order) == 1
    assert len(told(db, world.staff, order)) == 1
    steps = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "escalated")
    ).all()
    assert len(steps) == 1


def test_a_raise_judged_on_a_deadline_that_changed_meanwhile_does_nothing(db, units, places, held):
    order = held(places.grid)
    routing.assign_order(
        db.session, units.centre, order.id, unit_id=places.other_grid.id, now=SIGN_BY + timedelta(days=1)
    )
    db.session.commit()
    # A tick that read the request before it was reassigned judged it by the old sign_by.
    assert not raise_level(db.session, ServiceOrder, order.id, 1, ServiceOrder.sign_by == SIGN_BY)
    assert level_of(db, order) == 0


def test_the_queue_filters_by_unit_and_overdue_within_scope(db, make, world, units, places, held, place):
    late = held(places.grid)
    fresh = place(category="repair", title="井盖松动")
    routing.assign_order(db.session, units.centre, fresh.id, unit_id=places.community.id)  # due tomorrow
    db.session.commit()
    by_grid = queries.staff_queue_query(db.session, units.centre, status="assigned", unit_id=places.grid.id)
    assert [o.id for o in db.session.scalars(by_grid)] == [late.id]
    overdue = queries.staff_queue_query(db.session, world.staff, status=None, overdue=True)
    assert [o.id for o in db.session.scalars(overdue)] == [late.id]
    mine = queries.staff_queue_query(db.session, world.staff, status="assigned")
    assert {o.id for o in db.session.scalars(mine)} == {late.id, fresh.id}
    other_department = db.session.scalar(
        select(Unit.id).where(Unit.department_id == units.other_member.department_id)
    )
    with pytest.raises(NotFound):  # another district's department
        queries.staff_queue_query(db.session, units.centre, unit_id=other_department)
    elsewhere = make.unit(make.community(make.street(district=world.community.street.district)))
    with pytest.raises(NotFound):  # a street admin does not reach another street's units
        queries.staff_queue_query(db.session, world.admin, unit_id=elsewhere.id)


def test_the_level_solved_is_the_highest_the_request_reached(db, world, units, places, held):
    order = held(places.grid)
    tick(db, 1.1)
    tick(db, 2.1)  # escalated to the street
    at = SIGN_BY + timedelta(days=2, hours=4)
    routing.assign_order(db.session, world.admin, order.id, unit_id=places.community.id, now=at)
    routing.sign_order(db.session, world.staff, order.id, now=at + timedelta(hours=1))
    routing.reply_order(db.session, world.staff, order.id, result="已修复", now=at + timedelta(hours=5))
    routing.callback_order(
        db.session, units.centre, order.id, satisfaction="satisfied", now=at + timedelta(days=1)
    )
    db.session.commit()
    reread(db.session)
    closed = db.session.get(ServiceOrder, order.id)
    assert (closed.status, closed.solved_level) == ("closed", "street")  # the community closed it
