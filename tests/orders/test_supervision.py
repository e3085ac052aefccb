"""督办单 (engage/orders/supervision.py): the printable supervision notice of an escalated
request on the unit path, for its dispatchers only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engage.errors import Forbidden, NotFound
from engage.orders import routing, supervision
from engage.orders.deadlines import tick_orders
from engage.orders.models import ServiceOrder
from points.base import utcnow
from tests.orders.test_appraisal import SHANGHAI, local

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _escalated(db, units, place, *, assigned_at):
    """Assigned to 城管 at ``assigned_at`` and left unsigned; ``tick`` 49 hours later
    escalates it (a full day past its 24-hour sign_by)."""
    order = place(
        category="repair", title="井盖缺失", description="人民路口", now=assigned_at - timedelta(hours=1)
    )
    routing.assign_order(db.session, units.centre, order.id, unit_id=units.city.id, now=assigned_at)
    db.session.commit()
    tick_orders(db.session, now=assigned_at + timedelta(hours=49), zone=SHANGHAI)
    db.session.commit()
    return db.session.get(ServiceOrder, order.id, populate_existing=True)


def test_the_notice_says_how_late_against_the_deadline_in_force(db, world, units, place):
    order = _escalated(db, units, place, assigned_at=local(11, 2, 10))
    assert order.escalation_level > 0
    notice = supervision.supervision_notice(db.session, units.centre, order.id, now=local(11, 5, 13))
    # sign_by 3 November 10:00; at 5 November 13:00 it is 51 hours (2 days 3 hours) late.
    assert (notice.unit.name, notice.due, notice.late_hours) == ("城管", local(11, 3, 10), 51)
    assert notice.number == f"{order.tracking_code}-{order.escalation_level}"
    assert [e.kind for e in notice.escalations] and notice.order.first_responder_id == units.centre.id
    # Signed 60 hours after assignment (36 hours late), then replied: the late sign stays on record.
    routing.sign_order(db.session, units.member, order.id, now=local(11, 4, 22))
    routing.reply_order(db.session, units.member, order.id, result="已补", now=local(11, 5, 10))
    db.session.commit()
    notice = supervision.supervision_notice(db.session, world.admin, order.id, now=local(11, 6, 10))
    assert (notice.due, notice.late_hours) == (local(11, 3, 10), 36)


def test_only_escalated_unit_requests_have_one_and_only_dispatchers_read_it(db, world, units, place, route):
    order = _escalated(db, units, place, assigned_at=local(11, 2, 10))
    for dispatcher in (units.centre, world.admin, world.staff):
        assert supervision.supervision_notice(db.session, dispatcher, order.id).order.id == order.id
    for member_or_requester in (units.member, world.resident):
        with pytest.raises(Forbidden):
            supervision.supervision_notice(db.session, member_or_requester, order.id)
    for outsider in (units.other_centre, units.other_member, units.housing_member):
        with pytest.raises(NotFound):
            supervision.supervision_notice(db.session, outsider, order.id)
    with pytest.raises(NotFound):  # on time: no 督办
        supervision.supervision_notice(db.session, units.centre, route("assigned").id)


def test_the_printable_page_and_its_link_on_the_order_page(db, world, units, place, signed_in):
    order = _escalated(db, units, place, assigned_at=utcnow() - timedelta(days=3))
    centre = signed_in(units.centre)
    assert 'data-test="supervision-link"' in centre.get(f"/orders/{order.id}").get_data(as_text=True)
    page = centre.get(f"/orders/{order.id}/supervision").get_data(as_text=True)
    for part in ("督办单", "井盖缺失", "人民路口", "城管", "2天0小时", "督办意见", 'data-test="instruction"'):
        assert part in page, part
    assert 'data-test="timeline"' in page and units.centre.display_name in page and "data-print" in page
    assert "@media print { .notice" in STYLESHEET.read_text(encoding="utf-8")
    resident = signed_in(world.resident)
    assert 'data-test="supervision-link"' not in resident.get(f"/orders/{order.id}").get_data(as_text=True)
    assert resident.get(f"/orders/{order.id}/supervision").status_code == 403
    assert signed_in(units.other_centre).get(f"/orders/{order.id}/supervision").status_code == 404
