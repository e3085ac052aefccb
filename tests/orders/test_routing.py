"""The unit path's rules beyond who may act when: what each step changes, the first
responder, priorities and deadlines, the pending 延期, 重办, 吹哨报到, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.errors import Invalid, InvalidTransition, NotFound
from engage.notifications.models import Notification
from engage.orders import routing, services
from engage.orders.models import TRACKING_ALPHABET, ServiceOrder
from engage.units import services as units_services


def _commit(db, result):
    db.session.commit()
    return result


def _notified(db, user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def test_assign_sets_the_handler_and_the_1_1_7_deadlines(db, units, route):
    order = route("assigned")
    assert order.handler_unit_id == units.city.id
    assigned_at = order.events[-1].at
    assert order.sign_by - assigned_at == timedelta(hours=24)
    assert order.resolve_by - assigned_at == timedelta(hours=24 * 7)
    assert _notified(db, units.member) and _notified(db, units.member2)


def test_urgent_requests_get_the_categorys_urgent_hours(db, world, units, place):
    order = services.place_order(
        db.session,
        world.staff,
        category="repair",
        title="电线起火",
        on_behalf_of=world.resident.id,
        channel="phone",
        priority="urgent",
    )
    assert order.dispatch_by - order.created_at == timedelta(hours=2)
    assigned = _commit(db, routing.assign_order(db.session, units.centre, order.id, unit_id=units.city.id))
    at = assigned.events[-1].at
    assert (assigned.sign_by - at, assigned.resolve_by - at) == (timedelta(hours=2), timedelta(hours=24))


def test_a_resident_cannot_mark_their_own_request_urgent_but_the_dispatcher_can(db, world, units, place):
    with pytest.raises(Invalid):
        place(priority="urgent")
    db.session.rollback()
    order = place()
    urgent = _commit(db, routing.prioritize_order(db.session, units.centre, order.id, priority="urgent"))
    assert urgent.priority == "urgent"
    assert urgent.resolve_by - urgent.created_at == timedelta(hours=24)


def test_the_first_responder_is_who_took_it_in_and_never_changes(db, world, units, place):
    recorded = services.place_order(
        db.session,
        world.staff,
        category="repair",
        title="井盖缺失",
        on_behalf_of=world.resident.id,
        channel="phone",
    )
    assert recorded.first_responder_id == world.staff.id
    resident_placed = place()
    assert resident_placed.first_responder_id is None
    _commit(db, routing.assign_order(db.session, units.centre, resident_placed.id, unit_id=units.city.id))
    _commit(db, routing.assign_order(db.session, world.admin, resident_placed.id, unit_id=units.housing.id))
    order = db.session.get(ServiceOrder, resident_placed.id, populate_existing=True)
    assert order.first_responder_id == units.centre.id


def test_the_first_responder_is_told_of_every_step_until_it_closes(db, units, route):
    order = route("closed")
    told = _notified(db, units.centre)
    # assign is the centre's own step; sign, reply are told; the centre closes it itself.
    assert sum("您首问负责的诉求" in m for m in told) == 2
    assert order.first_responder_id == units.centre.id


def test_return_needs_a_reason_clears_the_handler_and_goes_back_to_the_dispatcher(db, units, route):
    order = route("signed")
    with pytest.raises(Invalid):
        routing.return_order(db.session, units.member, order.id, reason=" ")
    db.session.rollback()
    returned = _commit(db, routing.return_order(db.session, units.member, order.id, reason="属于供电所"))
    assert (returned.status, returned.handler_unit_id, returned.sign_by) == ("placed", None, None)
    assert returned.events[-1].note == "属于供电所"
    with pytest.raises(NotFound):  # the unit no longer holds it
        services.get_order(db.session, units.member, order.id)


def test_one_pending_extension_at_a_time_and_approval_moves_the_deadline(db, units, route):
    order = route("signed", extension=True)
    with pytest.raises(InvalidTransition):
        routing.request_extension(db.session, units.member2, order.id, hours=12, reason="再等等")
    db.session.rollback()
    before = order.resolve_by
    approved = _commit(db, routing.decide_extension(db.session, units.centre, order.id, approve=True))
    assert approved.resolve_by - before == timedelta(hours=48)
    assert [e.status for e in approved.extensions] == ["approved"]
    routing.request_extension(db.session, units.member, order.id, hours=12, reason="配件未到")
    refused = _commit(db, routing.decide_extension(db.session, units.centre, order.id, approve=False))
    assert refused.resolve_by == approved.resolve_by
    assert [e.status for e in refused.extensions] == ["approved", "refused"]


def test_an_unsatisfied_callback_sends_it_back_to_the_same_unit_counted(db, units, route):
    order = route("replied")
    redo = _commit(
        db,
        routing.callback_order(
            db.session, units.centre, order.id, satisfaction="unsatisfied", note="还是不亮"
        ),
    )
    assert (redo.status, redo.handler_unit_id, redo.reopen_count) == ("assigned", units.city.id, 1)
    assert redo.satisfaction == "unsatisfied" and redo.completion_note is None
    routing.sign_order(db.session, units.member, order.id)
    routing.reply_order(db.session, units.member, order.id, result="换了整套灯具")
    closed = _commit(db, routing.callback_order(db.session, units.centre, order.id, satisfaction="satisfied"))
    assert (closed.status, closed.reopen_count, closed.satisfaction) == ("closed", 1, "satisfied")


def test_whistled_departments_report_in_once_and_the_lead_unit_stays(db, world, units, route):
    order = route("signed", whistle=True)
    assert [w.unit_id for w in order.whistles] == [units.housing.id]
    assert services.get_order(db.session, units.housing_member, order.id).id == order.id
    reported = _commit(db, routing.report_in(db.session, units.housing_member, order.id, note="已到场"))
    assert reported.whistles[0].reported_at is not None and reported.handler_unit_id == units.city.id
    with pytest.raises(InvalidTransition):
        routing.report_in(db.session, units.housing_member, order.id)
    db.session.rollback()
    with pytest.raises(Invalid):  # the lead unit is not whistled; a department twice neither
        routing.whistle_order(db.session, world.staff, order.id, unit_ids=[units.city.id], report_hours=24)
    db.session.rollback()
    with pytest.raises(Invalid):
        routing.whistle_order(db.session, world.staff, order.id, unit_ids=[units.housing.id], report_hours=24)


def test_only_departments_of_the_district_can_be_whistled_or_assigned(db, world, units, route, make):
    order = route("assigned")
    foreign = make.unit(make.department(make.district()))
    for call in (
        lambda: routing.whistle_order(
            db.session, world.staff, order.id, unit_ids=[foreign.id], report_hours=24
        ),
        lambda: routing.assign_order(db.session, units.centre, order.id, unit_id=foreign.id),
        lambda: routing.whistle_order(
            db.session, world.staff, order.id, unit_ids=[make.unit(world.community).id], report_hours=24
        ),
    ):
        with pytest.raises(Invalid):
            call()
        db.session.rollback()


def test_answer_and_close_puts_the_answer_on_the_timeline(db, units, place):
    order = place(title="办居住证要带什么")
    closed = _commit(db, routing.answer_order(db.session, units.centre, order.id, answer="身份证和租房合同"))
    assert closed.status == "closed" and closed.events[-1].note == "身份证和租房合同"
    assert closed.first_responder_id == units.centre.id


@pytest.mark.parametrize("who", ["other_centre", "other_member", "housing_member"])
def test_other_districts_and_other_departments_get_not_found(db, units, route, who):
    order = route("signed")
    actor = getattr(units, who)
    with pytest.raises(NotFound):
        services.get_order(db.session, actor, order.id)
    with pytest.raises(NotFound):
        routing.reply_order(db.session, actor, order.id, result="x")


def test_tracking_codes_are_short_unguessable_and_unique(place):
    codes = {place().tracking_code for _ in range(5)}
    assert len(codes) == 5
    assert all(len(c) == 10 and set(c) <= set(TRACKING_ALPHABET) for c in codes)


def test_the_unit_queue_lists_the_units_requests_overdue_first(db, world, units, route):
    late, fresh = route("assigned"), route("signed")
    late.sign_by = late.sign_by - timedelta(days=3)
    db.session.commit()
    whistled = route("assigned", whistle=True)
    queue = db.session.scalars(routing.unit_queue_query(db.session, units.member)).all()
    assert [o.id for o in queue][:1] == [late.id] and {o.id for o in queue} == {
        late.id,
        fresh.id,
        whistled.id,
    }
    assert [o.id for o in db.session.scalars(routing.unit_queue_query(db.session, units.housing_member))] == [
        whistled.id
    ]
    assert routing.unit_queue_count(db.session, units.member) == 3


def test_membership_of_every_kind_of_unit(db, make, world, units):
    grid = make.grid(world.community, grid_worker=world.grid_worker)
    company = make.company(world.community.street)
    manager = make.user("property_manager", community=world.community, property_company_id=company.id)
    cases = [
        (units.member, units.city, True),
        (units.housing_member, units.city, False),
        (world.admin, make.unit(world.community.street), True),
        (world.staff, make.unit(world.community), True),
        (world.staff, make.unit(world.community.street), False),
        (world.grid_worker, make.unit(grid), True),
        (manager, make.unit(company), True),
        (world.resident, make.unit(world.community), False),
    ]
    for user, unit, member in cases:
        assert units_services.is_member(db.session, user, unit.id) is member, (user.roles, unit.kind)
        assert (user.id in units_services.unit_member_ids(db.session, unit.id)) is member
