"""Placing orders, paying volunteers through the ledger, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import points
from engage.errors import DomainError, Forbidden, Invalid, InvalidTransition
from engage.ledger.services import BudgetExhausted, budget_account
from engage.orders import rewards, services
from engage.orders.models import ServiceOrder


def _balance(db, user):
    return points.balance(db.session, f"user:{user.id}")


def test_place_sets_1_1_7_deadlines_and_the_micro_grid(world, place):
    order = place()
    assert order.status == "placed" and order.micro_grid_id == world.micro_grid.id
    assert (order.dispatch_by - order.created_at).total_seconds() == 24 * 3600
    assert (order.resolve_by - order.created_at).days == 7
    assert [e.kind for e in order.events] == ["placed"] and order.channel == "app"


@pytest.mark.parametrize(
    "field, values",
    [
        ("category", {"category": "unknown"}),
        ("title", {"title": "  "}),
        ("title", {"title": "长" * 101}),
        ("description", {"description": "x" * 10_000}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(db, world, place, field, values):
    with pytest.raises(Invalid) as error:
        place(**values)
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceOrder)) == 0


def test_grid_worker_places_on_behalf_and_staff_records_hotline_calls(db, world):
    by_worker = services.place_order(
        db.session, world.grid_worker, category="repair", title="修水管", on_behalf_of=world.resident.id
    )
    by_staff = services.place_order(
        db.session,
        world.staff,
        category="repair",
        title="12345来电",
        on_behalf_of=world.resident.id,
        channel="hotline_12345",
    )
    assert (by_worker.requester_id, by_worker.placed_by_id, by_worker.channel) == (
        world.resident.id,
        world.grid_worker.id,
        "grid_worker",
    )
    assert by_staff.channel == "hotline_12345"
    with pytest.raises(Forbidden):
        services.place_order(db.session, world.volunteers[0], category="repair", title="x")


def test_dispatch_to_a_volunteer_of_another_community_is_refused(db, make, world, place):
    order = place()
    with pytest.raises(Invalid):
        services.dispatch_order(db.session, world.staff, order.id, volunteer_id=make.user("volunteer").id)


def test_assigned_order_is_open_only_to_its_volunteer(db, world, place):
    order = place()
    services.dispatch_order(db.session, world.staff, order.id, volunteer_id=world.volunteers[1].id)
    db.session.commit()
    with pytest.raises(DomainError):
        services.accept_order(db.session, world.volunteers[0], order.id)
    db.session.rollback()
    assert services.accept_order(db.session, world.volunteers[1], order.id).status == "accepted"


@pytest.mark.parametrize("stars, paid", [(5, 30), (4, 30), (3, 24), (2, 15), (1, 6)])
def test_rating_pays_the_documented_share_in_the_same_transaction(db, world, advance, stars, paid):
    order = advance("completed")
    volunteer = world.volunteers[0]
    budget_before = points.balance(db.session, budget_account(world.community.id))
    assert budget_before.pending == 30 and _balance(db, volunteer).total == 0
    closed = services.rate_order(db.session, world.resident, order.id, stars=stars, comment="谢谢")
    db.session.commit()
    assert closed.points_awarded == paid == rewards.points_for(30, stars)
    assert _balance(db, volunteer).total == paid
    assert points.balance(db.session, budget_account(world.community.id)) == points.Balance(
        budget_before.total - paid, 0
    )
    assert points.verify(db.session) == []


@pytest.mark.parametrize("stars", [0, 7, -1, 2.5, "5", True])
def test_bad_stars_are_refused(db, world, advance, stars):
    order = advance("completed")
    with pytest.raises(Invalid):
        services.rate_order(db.session, world.resident, order.id, stars=stars)


def test_cancel_after_completion_releases_the_held_reward(db, world, advance):
    order = advance("completed")
    services.cancel_order(db.session, world.staff, order.id, reason="居民投诉")
    db.session.commit()
    assert points.balance(db.session, budget_account(world.community.id)).pending == 0
    assert _balance(db, world.volunteers[0]).total == 0


def test_completion_needs_budget_for_the_reward(db, world, advance):
    order = advance("accepted")
    points.transfer(db.session, budget_account(world.community.id), "user:999", 10_000, kind="award")
    db.session.commit()
    with pytest.raises(BudgetExhausted):
        services.complete_order(db.session, world.volunteers[0], order.id, note="完成")


def test_verify_close_waits_for_the_rating_period(db, world, advance):
    order = advance("completed")
    with pytest.raises(InvalidTransition):
        services.verify_close(db.session, world.staff, order.id, rating_period=timedelta(days=3))


def test_requester_sees_own_orders_volunteer_sees_board_outsiders_nothing(db, make, world, place):
    from engage.errors import NotFound

    order = place()
    with pytest.raises(NotFound):
        services.get_order(db.session, world.volunteers[0], order.id)  # not dispatched yet
    with pytest.raises(NotFound):
        services.get_order(db.session, make.user("resident", community=world.community), order.id)
    with pytest.raises(NotFound):
        services.get_order(db.session, make.user("staff"), order.id)
    assert services.get_order(db.session, world.resident, order.id) is order


def test_task_board_puts_the_volunteers_micro_grid_first_and_filters_by_distance(db, make, world):
    from engage.orders import queries

    volunteer = world.volunteers[0]
    volunteer.micro_grid_id = world.micro_grid.id
    neighbour_mg = make.micro_grid(world.micro_grid.grid)
    far_mg = make.micro_grid(make.grid(world.community))
    ids = {}
    for name, mg in (("far", far_mg), ("neighbour", neighbour_mg), ("home", world.micro_grid)):
        order = services.place_order(
            db.session, world.resident, category="errand", title=name, micro_grid_id=mg.id
        )
        services.dispatch_order(db.session, world.staff, order.id)
        ids[name] = order.id
    db.session.commit()
    board = lambda **kw: [o.id for o in queries.task_board(db.session, volunteer, **kw).items]  # noqa: E731
    assert board() == [ids["home"], ids["neighbour"], ids["far"]]
    assert board(near="grid") == [ids["home"], ids["neighbour"]]
    assert board(near="micro_grid") == [ids["home"]]
    with pytest.raises(Invalid):
        board(near="moon")
