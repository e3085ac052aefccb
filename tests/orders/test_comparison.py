"""The level each request was solved at and the share solved per level (engage/orders/levels.py),
and the district's dashboard comparing units (engage/orders/comparison.py), on a November
worked out by hand; who may read it (others 403, another district's or street's 404)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engage.errors import Forbidden, NotFound
from engage.orders import appraisal, comparison, levels, routing
from engage.orders.deadlines import tick_orders
from engage.orders.models import LEVELS, ServiceOrder
from engage.periods import parse_label
from engage.units.models import Unit
from tests.factories import reread

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = parse_label("2026-11", SHANGHAI, kinds=("month",))
NOW = datetime(2026, 12, 1, 12, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@dataclass
class November:
    orders: dict[str, ServiceOrder]
    grid: Unit
    community: Unit
    street: Unit
    other_street: Unit


@pytest.fixture
def november(db, make, world, units, place) -> November:
    """The world's street (one community, one grid), a second street of the district with one
    community and nothing to do, and 城管. Repair requests: sign within 24 h, resolve in 7 days.

    A: grid, signed and replied in time, 满意 on 4 Nov — solved at the grid.
    B: grid, unsigned a day past sign_by: escalated to the community on 7 Nov; the community
       takes it (改派), signs and replies; the resident answers 基本满意 on 9 Nov — community.
    C: 城管, in time, 满意 on 13 Nov — district.
    D: answered at intake by the street admin on 14 Nov — street.
    E: answered at intake by community staff on 15 Nov — community.
    F: grid, in time, but its callback is on 1 December — not November's.
    """
    grid, community = make.unit(world.micro_grid.grid), make.unit(world.community)
    other = make.street(district=world.community.street.district)
    make.community(other)
    centre, gw, staff = units.centre, world.grid_worker, world.staff
    orders = {}

    def walk(name, day, *steps):
        orders[name] = order = place(category="repair", title=f"诉求{name}", now=local(11, day, 9))
        for service, actor, at, kwargs in steps:
            if service is tick_orders:
                tick_orders(db.session, now=at, zone=SHANGHAI)
            else:
                service(db.session, actor, order.id, now=at, **kwargs)
            db.session.commit()

    assign, sign, reply = routing.assign_order, routing.sign_order, routing.reply_order
    callback, answer = routing.callback_order, routing.answer_order
    to_grid = {"unit_id": grid.id}
    walk(
        "A",
        2,
        (assign, centre, local(11, 2, 10), to_grid),
        (sign, gw, local(11, 2, 12), {}),
        (reply, gw, local(11, 3, 10), {"result": "已修"}),
        (callback, centre, local(11, 4, 10), {"satisfaction": "satisfied"}),
    )
    walk(
        "B",
        5,
        (assign, centre, local(11, 5, 10), to_grid),
        (tick_orders, None, local(11, 7, 11), {}),
        (assign, staff, local(11, 7, 12), {"unit_id": community.id}),
        (sign, staff, local(11, 7, 13), {}),
        (reply, staff, local(11, 8, 10), {"result": "已修"}),
        (callback, world.resident, local(11, 9, 10), {"satisfaction": "basically"}),
    )
    walk(
        "C",
        10,
        (assign, centre, local(11, 10, 10), {"unit_id": units.city.id}),
        (sign, units.member, local(11, 10, 11), {}),
        (reply, units.member, local(11, 12, 10), {"result": "已修"}),
        (callback, centre, local(11, 13, 10), {"satisfaction": "satisfied"}),
    )
    walk("D", 14, (answer, world.admin, local(11, 14, 10), {"answer": "请拨打供水热线"}))
    walk("E", 15, (answer, staff, local(11, 15, 10), {"answer": "社区周三开放"}))
    walk(
        "F",
        20,
        (assign, centre, local(11, 20, 10), to_grid),
        (sign, gw, local(11, 20, 12), {}),
        (reply, gw, local(11, 25, 10), {"result": "已修"}),
        (callback, centre, local(12, 1, 10), {"satisfaction": "satisfied"}),
    )
    reread(db.session)
    return November(orders, grid, community, make.unit(world.community.street), make.unit(other))


def test_each_request_records_the_level_it_was_solved_at(db, november, advance):
    solved = {name: db.session.get(ServiceOrder, o.id).solved_level for name, o in november.orders.items()}
    assert solved == {
        "A": "grid",
        "B": "community",  # its unit was the community, and it had been escalated there
        "C": "district",  # a department is the district's
        "D": "street",
        "E": "community",
        "F": "grid",
    }
    assert advance("closed").solved_level is None  # the volunteer path records none


def test_the_share_solved_per_level_in_november_worked_out_by_hand(db, world, november):
    found = levels.solved_by_level(db.session, [world.community.id], NOVEMBER)[world.community.id]
    # Closed in November: A grid; B, E community; D street; C district (F closed in December).
    assert dict(found) == {"grid": 1, "community": 2, "street": 1, "district": 1}
    assert levels.shares(found) == {"grid": 0.2, "community": 0.4, "street": 0.2, "district": 0.2}
    october = parse_label("2026-10", SHANGHAI, kinds=("month",))
    assert levels.solved_by_level(db.session, [world.community.id], october) == {}
    assert levels.shares(Counter()) == dict.fromkeys(LEVELS)  # nothing solved: no shares


def test_the_district_compares_its_streets_and_departments(db, world, units, november):
    board = comparison.compare_units(db.session, units.centre, NOVEMBER, now=NOW)
    by_unit = {row.unit_id: row for row in board.rows}
    assert [row.kind for row in board.rows] == ["street", "street", "department", "department", "department"]
    ours = by_unit[november.street.id]
    # Receipts in November of the street's units: A, B and F by the grid, B again by the
    # community (its 改派) — 4; signed in time: A, B at the community, F — 3; replied in time
    # and not redone: the same 3; callbacks: A and B (F's is December's), both satisfied;
    # escalated: B once (its grid was late).
    t = ours.tally
    assert (t.received, t.signed_on_time, t.replied, t.callbacks, t.satisfied, t.escalated) == (
        4,
        3,
        3,
        2,
        2,
        1,
    )
    assert (t.response_rate, t.resolution_rate, t.satisfaction_rate, t.overdue) == (0.75, 0.75, 1.0, 0)
    assert dict(ours.solved) == {"grid": 1, "community": 2, "street": 1, "district": 1}
    assert ours.shares["community"] == 0.4
    quiet = by_unit[november.other_street.id]
    assert (quiet.tally.received, quiet.solved_total, quiet.shares["grid"]) == (0, 0, None)
    city = by_unit[units.city.id]
    assert (city.tally.received, city.tally.signed_on_time, city.tally.callbacks, city.solved) == (
        1,
        1,
        1,
        None,
    )
    assert board.total.tally.received == 5 and board.total.tally.escalated == 1
    assert dict(board.total.solved) == dict(ours.solved)


def test_a_rows_counts_are_appraisals_counts_of_its_units_summed(db, world, units, november):
    board = comparison.compare_units(db.session, units.centre, NOVEMBER, now=NOW)
    ours = next(row for row in board.rows if row.unit_id == november.street.id)
    each = [
        appraisal.unit_figures(db.session, units.centre, unit.id, NOVEMBER, now=NOW)
        for unit in (november.street, november.community, november.grid)
    ]
    assert ours.tally.counts() == {
        name: sum(figures.counts()[name] for figures in each) for name in ours.tally.counts()
    }


def test_a_street_admin_compares_the_streets_communities(db, world, units, november):
    board = comparison.compare_units(db.session, world.admin, NOVEMBER, now=NOW)
    assert [(row.kind, row.unit_id) for row in board.rows] == [
        ("community", november.community.id),
        ("street", november.street.id),
    ]
    community = board.rows[0]
    assert (community.tally.received, community.tally.escalated, community.solved_total) == (4, 1, 5)
    assert board.rows[1].solved is None and board.total.tally.received == 4  # 城管's is not the street's
    looked_into = comparison.compare_units(
        db.session, units.centre, NOVEMBER, street_id=world.community.street_id, now=NOW
    )
    assert looked_into.as_json() == board.as_json()


def test_others_are_refused(db, world, units, november):
    with pytest.raises(NotFound):
        comparison.compare_units(db.session, world.admin, NOVEMBER, street_id=november.other_street.street_id)
    with pytest.raises(NotFound):
        comparison.compare_units(
            db.session, units.other_centre, NOVEMBER, street_id=world.community.street_id
        )
    for outsider in (world.staff, world.resident, world.grid_worker, units.member):
        with pytest.raises(Forbidden):
            comparison.compare_units(db.session, outsider, NOVEMBER)


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


def test_the_page_renders_for_the_command_centre_and_a_street_admin(app, world, units, november):
    district = _login(app, units.centre).get("/units/comparison?period=2026-11")
    page = district.get_data(as_text=True)
    assert district.status_code == 200 and world.community.street.name in page and "城管" in page
    assert f'data-test="row-street-{november.street.id}"' in page and "40.0%" in page
    street = _login(app, world.admin).get("/units/comparison?period=2026-11")
    assert street.status_code == 200 and world.community.name in street.get_data(as_text=True)
    drill = _login(app, units.centre).get(
        f"/units/comparison?period=2026-11&street_id={world.community.street_id}"
    )
    assert drill.status_code == 200 and world.community.name in drill.get_data(as_text=True)


def test_the_page_refuses_others(app, world, units, november):
    assert _login(app, world.staff).get("/units/comparison").status_code == 403
    assert _login(app, world.resident).get("/units/comparison").status_code == 403
    other = november.other_street.street_id
    assert _login(app, world.admin).get(f"/units/comparison?street_id={other}").status_code == 404
    ours = world.community.street_id
    assert _login(app, units.other_centre).get(f"/units/comparison?street_id={ours}").status_code == 404


def test_the_api_answers_the_comparison_and_the_filtered_queue(api, world, units, november):
    body = api.as_user(units.centre).get("/api/v1/units/comparison?period=2026-11").get_json()
    assert body["period"] == "2026-11" and body["street_id"] is None
    ours = next(row for row in body["rows"] if row["unit_id"] == november.street.id)
    assert (ours["received"], ours["escalated"], ours["response_rate"]) == (4, 1, 0.75)
    assert ours["solved"] == {"grid": 1, "community": 2, "street": 1, "district": 1}
    assert ours["solved_shares"]["grid"] == 0.2 and body["total"]["unit_id"] is None
    refused = api.as_user(world.staff).get("/api/v1/units/comparison")
    assert refused.status_code == 403
    queue = api.as_user(units.centre).get(f"/api/v1/orders/queue?status=closed&unit_id={november.grid.id}")
    assert queue.status_code == 200
    assert {item["id"] for item in queue.get_json()["items"]} == {
        november.orders[name].id for name in ("A", "F")
    }
    assert all(item["solved_level"] == "grid" for item in queue.get_json()["items"])
