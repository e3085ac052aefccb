"""The 三率 of a unit for a month, on a fixture worked out by hand (engage/orders/appraisal.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.errors import NotFound
from engage.orders import appraisal, routing
from engage.periods import parse_label

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def history(db, world, units, place):
    """城管's requests around November 2026 (Shanghai time; repair: sign within 24 h, resolve
    within 7 days). Each step is ``(service, actor, at, arguments)``."""
    centre, member, resident = units.centre, units.member, world.resident
    city = {"unit_id": units.city.id}

    def walk(placed: datetime, *steps):
        order = place(category="repair", title="路灯不亮", now=placed)
        for service, actor, at, kwargs in steps:
            service(db.session, actor, order.id, now=at, **kwargs)
            db.session.commit()
        return order

    assign, sign, reply = routing.assign_order, routing.sign_order, routing.reply_order
    callback, return_ = routing.callback_order, routing.return_order
    # A: signed after 3 h, replied after 2 days, 满意.
    walk(
        local(11, 2, 9),
        (assign, centre, local(11, 2, 10), city),
        (sign, member, local(11, 2, 13), {}),
        (reply, member, local(11, 4, 10), {"result": "已修"}),
        (callback, centre, local(11, 5, 10), {"satisfaction": "satisfied"}),
    )
    # B: signed after 30 h (late), replied within 7 days, the resident answers 基本满意.
    walk(
        local(11, 3, 9),
        (assign, centre, local(11, 3, 10), city),
        (sign, member, local(11, 4, 16), {}),
        (reply, member, local(11, 6, 10), {"result": "已修"}),
        (callback, resident, local(11, 7, 10), {"satisfaction": "basically"}),
    )
    # C: signed and replied in time, then 不满意: 重办, and not signed again since.
    walk(
        local(11, 4, 9),
        (assign, centre, local(11, 4, 10), city),
        (sign, member, local(11, 4, 11), {}),
        (reply, member, local(11, 5, 10), {"result": "已修"}),
        (callback, centre, local(11, 8, 10), {"satisfaction": "unsatisfied"}),
    )
    # D: 退单 the same day.
    walk(
        local(11, 5, 9),
        (assign, centre, local(11, 5, 10), city),
        (return_, member, local(11, 5, 12), {"reason": "不属于城管"}),
    )
    # E: assigned at 23:30 on 31 October (15:30 UTC, still October in Shanghai), signed
    # and replied in time, its 满意 callback on 3 November.
    walk(
        local(10, 31, 23),
        (assign, centre, local(10, 31, 23, 30), city),
        (sign, member, local(11, 1, 0, 30), {}),
        (reply, member, local(11, 2, 10), {"result": "已修"}),
        (callback, centre, local(11, 3, 10), {"satisfaction": "satisfied"}),
    )
    # F: assigned at 00:10 on 1 December (16:10 UTC on 30 November): December's.
    walk(local(11, 30, 23), (assign, centre, local(12, 1, 0, 10), city))
    # Another unit's receipt never counts for 城管.
    walk(local(11, 6, 9), (assign, centre, local(11, 6, 10), {"unit_id": units.housing.id}))


def _figures(db, actor, unit, label: str, now: datetime):
    return appraisal.unit_figures(
        db.session, actor, unit.id, parse_label(label, SHANGHAI, kinds=("month",)), now=now
    )


def test_the_three_rates_of_november_worked_out_by_hand(db, units, history):
    figures = _figures(db, units.centre, units.city, "2026-11", local(12, 1, 12)).as_json()
    assert figures == {
        "received": 4,  # A, B, C, D (E is October's, F December's, the 住建 one not ours)
        "signed_on_time": 2,  # A (3 h) and C (1 h); B took 30 h > 24 h; D was returned unsigned
        "response_rate": 0.5,  # 2 / 4
        "replied": 2,  # A and B replied within 7 days; C did too but was reopened (重办)
        "resolution_rate": 0.5,  # 2 / 4
        "callbacks": 4,  # dated in November: A 满意, B 基本满意 (by the resident), C 不满意, E 满意
        "satisfied": 3,  # A, B, E
        "satisfaction_rate": 0.75,  # 3 / 4
        "returned": 1,  # D
        "reopened": 1,  # C
        # B's late sign, and C: back with 城管 since its 重办 on 8 November, unsigned past
        # its new sign_by (9 November) at 1 December.
        "overdue": 2,
        "escalated": 0,  # no tick ran (tests/orders/test_escalation.py)
    }


def test_the_boundary_months_and_null_rates(db, units, history):
    october = _figures(db, units.member, units.city, "2026-10", local(12, 1, 12))
    # E alone: received 23:30 on 31 October, signed after 1 h, replied after 2 days, not
    # reopened; its callback is November's, so October has none: no satisfaction rate.
    assert (october.received, october.signed_on_time, october.replied, october.callbacks) == (1, 1, 1, 0)
    assert (october.response_rate, october.resolution_rate, october.satisfaction_rate) == (1.0, 1.0, None)
    december = _figures(db, units.centre, units.city, "2026-12", local(12, 1, 12))
    # F: received, not yet signed and still within its 24 h at noon on 1 December: not overdue.
    assert (december.received, december.signed_on_time, december.overdue, december.response_rate) == (
        1,
        0,
        0,
        0.0,
    )
    later = _figures(db, units.centre, units.city, "2026-12", local(12, 2, 12))
    assert later.overdue == 1  # at noon on 2 December F is past its sign_by


def test_only_members_and_dispatchers_above_the_unit_read_its_figures(db, world, units):
    period = parse_label("2026-11", SHANGHAI, kinds=("month",))
    for reader in (units.centre, units.member):
        assert appraisal.unit_figures(db.session, reader, units.city.id, period).received == 0
    for outsider in (units.housing_member, world.staff, world.admin, world.resident, units.other_centre):
        with pytest.raises(NotFound):
            appraisal.unit_figures(db.session, outsider, units.city.id, period)


def test_a_late_reply_counts_as_overdue_and_not_resolved(db, units, place):
    order = place(category="repair", title="井盖缺失", now=local(11, 10, 9))
    routing.assign_order(db.session, units.centre, order.id, unit_id=units.city.id, now=local(11, 10, 10))
    routing.sign_order(db.session, units.member, order.id, now=local(11, 10, 11))
    routing.reply_order(
        db.session, units.member, order.id, result="已补", now=local(11, 10, 10) + timedelta(days=8)
    )
    db.session.commit()
    figures = _figures(db, units.centre, units.city, "2026-11", local(12, 1, 12))
    # Signed after 1 h (on time), replied after 8 days > 7: 1 received, 1 on time, 0 replied, 1 overdue.
    assert (figures.received, figures.signed_on_time, figures.replied, figures.overdue) == (1, 1, 0, 1)
