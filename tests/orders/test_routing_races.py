"""Real threads on the unit path: two members signing at once, a return racing a sign, a
callback sent twice, two extension requests — each ends in one consistent outcome."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.auth.models import User
from engage.errors import DomainError
from engage.orders import routing
from engage.orders.models import OrderEvent, OrderExtension, ServiceOrder
from tests.factories import reread, together

pytestmark = pytest.mark.concurrency


def _as(session, user_id: int) -> User:
    return session.get(User, user_id)


def _kinds(db, order_id: int) -> list[str]:
    return list(db.session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id)))


def test_two_members_sign_at_once_exactly_one_signs(app, db, units, route):
    order_id = route("assigned").id
    results = together(
        app,
        [
            lambda s, uid=user.id: routing.sign_order(s, _as(s, uid), order_id).status
            for user in (units.member, units.member2)
        ],
    )
    assert sorted(map(str, results)).count("signed") == 1, results
    assert sum(isinstance(r, DomainError) and r.code == "invalid_transition" for r in results) == 1, results
    reread(db.session)
    assert _kinds(db, order_id).count("sign") == 1
    assert db.session.get(ServiceOrder, order_id).status == "signed"


def test_a_return_racing_a_sign_leaves_one_consistent_order(app, db, units, route):
    order_id = route("assigned").id
    results = together(
        app,
        [
            lambda s: routing.sign_order(s, _as(s, units.member.id), order_id).status,
            lambda s: routing.return_order(s, _as(s, units.member2.id), order_id, reason="不归我们管").status,
        ],
    )
    reread(db.session)
    order = db.session.get(ServiceOrder, order_id)
    steps = [k for k in _kinds(db, order_id) if k in ("sign", "return")]
    signed, returned = (isinstance(r, str) for r in results)
    # Serial outcomes only: signed then returned, signed (the return refused as stale), or
    # returned (the sign then refused); never a signed order without its unit.
    assert steps == [k for k, won in (("sign", signed), ("return", returned)) if won], (results, steps)
    if returned:
        assert (order.status, order.handler_unit_id, order.sign_by) == ("placed", None, None)
    else:
        assert signed and (order.status, order.handler_unit_id) == ("signed", units.city.id)


def test_a_callback_sent_twice_has_one_outcome(app, db, units, route):
    order_id = route("replied").id
    results = together(
        app,
        [
            lambda s, how=how: (
                routing.callback_order(s, _as(s, units.centre.id), order_id, satisfaction=how).status
            )
            for how in ("satisfied", "unsatisfied")
        ],
    )
    assert sum(isinstance(r, str) for r in results) == 1, results
    reread(db.session)
    order = db.session.get(ServiceOrder, order_id)
    kinds = _kinds(db, order_id)
    assert kinds.count("callback") + kinds.count("redo") == 1
    assert (order.status, order.reopen_count) in (("closed", 0), ("assigned", 1))


def test_two_extension_requests_at_once_one_is_pending(app, db, units, route):
    order_id = route("signed").id
    results = together(
        app,
        [
            lambda s, uid=user.id: (
                routing.request_extension(s, _as(s, uid), order_id, hours=24, reason="等配件").hours
            )
            for user in (units.member, units.member2)
        ],
    )
    assert sum(isinstance(r, int) for r in results) == 1, results
    reread(db.session)
    pending = db.session.scalars(select(OrderExtension).where(OrderExtension.order_id == order_id)).all()
    assert [e.status for e in pending] == ["pending"]
    assert _kinds(db, order_id).count("ask_extension") == 1
