"""Every action of the unit path, allowed and refused, per status and party, through the
service layer.

The allowed set below is written out by hand from the product rules (docs/api.md "Routing
to units"), not derived from ``workflow.TRANSITIONS``, so a wrong row in the table fails it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.errors import DomainError
from engage.orders import routing, services
from engage.orders.models import OrderEvent, ServiceOrder

STATUSES = ("placed", "assigned", "signed", "replied", "closed", "cancelled")
PARTIES = ("staff", "admin", "centre", "handler", "housing", "requester", "other_centre", "other_member")
DISPATCHERS = ("staff", "admin", "centre")
ACTIONS = {
    "prioritize": lambda s, a, o, u: routing.prioritize_order(s, a, o, priority="urgent"),
    "answer": lambda s, a, o, u: routing.answer_order(s, a, o, answer="路灯由供电所负责，已告知电话"),
    "assign": lambda s, a, o, u: routing.assign_order(s, a, o, unit_id=u.housing.id),
    "sign": lambda s, a, o, u: routing.sign_order(s, a, o),
    "return": lambda s, a, o, u: routing.return_order(s, a, o, reason="不属于本部门职责"),
    "ask_extension": lambda s, a, o, u: routing.request_extension(s, a, o, hours=24, reason="等配件"),
    "decide_extension": lambda s, a, o, u: routing.decide_extension(s, a, o, approve=True),
    "reply": lambda s, a, o, u: routing.reply_order(s, a, o, result="已修复"),
    "callback": lambda s, a, o, u: routing.callback_order(s, a, o, satisfaction="basically"),
    "redo": lambda s, a, o, u: routing.callback_order(s, a, o, satisfaction="unsatisfied", note="还是不亮"),
    "whistle": lambda s, a, o, u: routing.whistle_order(s, a, o, unit_ids=[u.power.id], report_hours=24),
    "report_in": lambda s, a, o, u: routing.report_in(s, a, o, note="已到现场"),
}


def _by(parties: tuple[str, ...], status: str, action: str, target: str) -> dict:
    return {(status, action, party): target for party in parties}


ALLOWED = {
    **_by(DISPATCHERS, "placed", "prioritize", "placed"),
    **_by(DISPATCHERS, "placed", "answer", "closed"),
    **_by(DISPATCHERS, "placed", "assign", "assigned"),
    **_by(DISPATCHERS, "assigned", "assign", "assigned"),  # 改派
    **_by(DISPATCHERS, "signed", "assign", "assigned"),
    ("assigned", "sign", "handler"): "signed",
    ("assigned", "return", "handler"): "placed",
    ("signed", "return", "handler"): "placed",
    ("signed", "ask_extension", "handler"): "signed",
    **_by(DISPATCHERS, "signed", "decide_extension", "signed"),
    ("signed", "reply", "handler"): "replied",
    **_by(DISPATCHERS, "replied", "callback", "closed"),
    **_by(DISPATCHERS, "replied", "redo", "assigned"),
    ("replied", "callback", "requester"): "closed",  # residents answer the 回访 themselves
    ("replied", "redo", "requester"): "assigned",
    **_by(("staff", "admin"), "assigned", "whistle", "assigned"),
    **_by(("staff", "admin"), "signed", "whistle", "signed"),
    ("assigned", "report_in", "housing"): "assigned",
    ("signed", "report_in", "housing"): "signed",
    ("replied", "report_in", "housing"): "replied",
}


def _actor(world, units, party):
    return {
        "staff": world.staff,
        "admin": world.admin,
        "centre": units.centre,
        "handler": units.member,
        "housing": units.housing_member,
        "requester": world.resident,
        "other_centre": units.other_centre,
        "other_member": units.other_member,
    }[party]


def _events(db, order_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order_id)
    )


def _at(db, world, route, status: str, action: str) -> ServiceOrder:
    """The order in ``status``; with 住建 whistled in for 报到 and a pending 延期 to decide."""
    if status == "cancelled":
        order = route("assigned")
        order = services.cancel_order(db.session, world.staff, order.id, reason="重复诉求")
        db.session.commit()
        return order
    return route(status, whistle=action == "report_in", extension=action == "decide_extension")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_unit_path_matrix(db, world, units, route, status, action):
    order = None
    for party in PARTIES:
        order = order or _at(db, world, route, status, action)
        actor = _actor(world, units, party)
        events = _events(db, order.id)
        expected = ALLOWED.get((status, action, party))
        if expected:
            ACTIONS[action](db.session, actor, order.id, units)
            db.session.commit()
            changed = db.session.get(ServiceOrder, order.id, populate_existing=True)
            assert changed.status == expected, (status, action, party)
            assert changed.events[-1].actor_id == actor.id
            order = None  # the next party gets a fresh order
        else:
            with pytest.raises(DomainError):
                ACTIONS[action](db.session, actor, order.id, units)
            db.session.rollback()
            assert db.session.get(ServiceOrder, order.id).status == status, (status, action, party)
            assert _events(db, order.id) == events, (status, action, party)


def test_every_action_fits_the_timeline():
    """An action is stored as its event's kind: SQLite would keep a longer one, PostgreSQL not."""
    from engage.orders.workflow import TRANSITIONS

    assert all(len(t.action) <= OrderEvent.__table__.c.kind.type.length for t in TRANSITIONS)
