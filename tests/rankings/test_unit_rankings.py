"""The units' rankings (engage/rankings/unit_rankings.py): scores worked out by hand with the
district's weights, unranked units, ties, quarters, and publishing that freezes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.auth.models import User
from engage.errors import Conflict, Forbidden, Invalid
from engage.orders import routing
from engage.orders.appraisal import UnitFigures
from engage.periods import parse_label
from engage.rankings import unit_rankings
from engage.rankings.models import UnitRanking
from engage.units.services import UnitEntry
from tests.factories import reread, together
from tests.rankings.conftest import READ_AT, SHANGHAI, local

CUSTOM = {"response": 20, "resolution": 30, "satisfaction": 40, "timeliness": 10}


def _live(db, actor, label: str, kind: str = "department"):
    rows = unit_rankings.live(db.session, actor, kind, label, zone=SHANGHAI, now=READ_AT)
    return [(r.figures.unit.name, r.score, r.rank) for r in rows]


def test_the_docstring_example_ties_share_a_rank_and_nothing_counted_is_unranked():
    """The module docstring's table, default weights 10/40/40/10."""
    november = parse_label("2026-11", SHANGHAI)
    counts = {  # received, signed_on_time, replied, callbacks, satisfied, returned, reopened, overdue
        "城管": (4, 3, 2, 2, 1, 0, 0, 1),  # .75 / .5 / .5 / .75 → 7.5 + 20 + 20 + 7.5 = 55
        "住建": (2, 2, 2, 0, 0, 0, 0, 0),  # 1 / 1 / — / 1 → (10 + 40 + 10) / 60 = 100
        "水务": (1, 1, 0, 1, 1, 0, 0, 1),  # 1 / 0 / 1 / 0 → 10 + 0 + 40 + 0 = 50
        "供电": (0, 0, 0, 0, 0, 0, 0, 0),  # nothing counted
        "市场监管": (4, 3, 2, 2, 1, 0, 0, 1),  # as 城管: 55, the same rank
    }
    figures = [
        UnitFigures(*row, unit=UnitEntry(i, "department", name, None), period=november)
        for i, (name, row) in enumerate(counts.items(), start=1)
    ]
    rows = unit_rankings.standings(figures, unit_rankings.DEFAULT_WEIGHTS)
    assert [(r.figures.unit.name, r.score, r.rank) for r in rows] == [
        ("住建", 100.0, 1),
        ("城管", 55.0, 2),
        ("市场监管", 55.0, 2),
        ("水务", 50.0, 4),
        ("供电", None, None),
    ]


def test_a_rate_with_no_weight_or_no_value_is_left_out():
    rates = {"response_rate": 0.5, "resolution_rate": None, "satisfaction_rate": 1.0, "timeliness_rate": 0.0}
    # (10 × .5 + 40 × 1 + 10 × 0) / 60 × 100 = 75
    assert unit_rankings.score(rates, unit_rankings.DEFAULT_WEIGHTS) == 75.0
    only_resolution = {"response": 0, "resolution": 1, "satisfaction": 0, "timeliness": 0}
    assert unit_rankings.score(rates, only_resolution) is None
    # 2/3 as the figures give it (0.6667) × 100, half up at the second decimal.
    assert (
        unit_rankings.score({**rates, "response_rate": 0.6667}, {**only_resolution, "response": 1}) == 66.67
    )


def test_november_worked_out_by_hand_with_the_districts_weights(db, units, history):
    unit_rankings.set_weights(db.session, units.centre, CUSTOM)
    db.session.commit()
    # 城管: received A B C D = 4; signed on time A B D = 3 (.75); replied in time and not
    # reopened A = 1 (.25: B late, C returned, D reopened); callbacks A 满意, D 不满意 = 2,
    # satisfied 1 (.5); overdue B (late reply), D (unsigned since its 重办) = 2: (4 − 2) / 4 = .5.
    # 20 × .75 + 30 × .25 + 40 × .5 + 10 × .5 = 15 + 7.5 + 20 + 5 = 47.5 (weights sum 100).
    # 住建: E received, signed, replied in time, no callback: 1 / 1 / — / 1 → (20 + 30 + 10) / 60 = 100.
    # 供电: nothing: unranked. The other district's 城管 is not in this district's ranking.
    assert _live(db, units.centre, "2026-11") == [("住建", 100.0, 1), ("城管", 47.5, 2), ("供电", None, None)]
    city = unit_rankings.live(db.session, units.centre, "department", "2026-11", zone=SHANGHAI, now=READ_AT)[
        1
    ]
    assert city.rates == {
        "response_rate": 0.75,
        "resolution_rate": 0.25,
        "satisfaction_rate": 0.5,
        "timeliness_rate": 0.5,
    }


def test_the_quarter_counts_october_too(db, units, history):
    unit_rankings.set_weights(db.session, units.centre, CUSTOM)
    db.session.commit()
    # 住建 in Q4: E and F received, both signed in time (1.0); E replied, F reopened (.5);
    # one callback, F 不满意 (0.0); F overdue, unsigned since its 重办 (.5):
    # 20 × 1 + 30 × .5 + 40 × 0 + 10 × .5 = 40. 城管 had nothing in October: 47.5 as in November.
    assert _live(db, units.centre, "2026-Q4") == [("城管", 47.5, 1), ("住建", 40.0, 2), ("供电", None, None)]


def test_streets_and_communities_are_ranked_too(db, world, units, history):
    # The community received G and returned it: received 1, nothing on time: 0 / 0 / — / 1 → 10 × 1 / 60.
    assert _live(db, units.centre, "2026-11", "community") == [(world.community.name, 16.67, 1)]
    assert _live(db, units.centre, "2026-11", "street") == [(world.community.street.name, None, None)]


def test_publishing_freezes_and_a_republish_needs_a_reason_and_keeps_the_first(db, units, history):
    unit_rankings.set_weights(db.session, units.centre, CUSTOM)
    first = unit_rankings.publish(
        db.session, units.centre, "department", "2026-11", zone=SHANGHAI, now=READ_AT
    )
    db.session.commit()
    frozen = [(e.name, e.score, e.rank, e.satisfaction_rate) for e in first.entries]
    assert frozen == [("住建", 100.0, 1, None), ("城管", 47.5, 2, 0.5), ("供电", None, None, None)]
    assert first.rule == {"weights": CUSTOM} and first.entries[1].figures["received"] == 4
    # After publication: new weights (the defaults) and B's callback, 满意, on 20 November.
    unit_rankings.set_weights(db.session, units.centre, unit_rankings.DEFAULT_WEIGHTS)
    routing.callback_order(
        db.session, units.centre, history["B"].id, satisfaction="satisfied", now=local(11, 20, 10)
    )
    db.session.commit()
    district_id = units.city.district_id
    latest = unit_rankings.published(db.session, district_id, "department", "2026-11")
    assert [(e.name, e.score, e.rank, e.satisfaction_rate) for e in latest.entries] == frozen
    # 城管 live: satisfied 2 of 3 callbacks (.6667): 10 × .75 + 40 × .25 + 40 × .6667 + 10 × .5 = 49.168.
    assert _live(db, units.centre, "2026-11")[1] == ("城管", 49.17, 2)
    with pytest.raises(Invalid) as refused:
        unit_rankings.publish(db.session, units.centre, "department", "2026-11", zone=SHANGHAI, now=READ_AT)
    assert "note" in refused.value.fields
    db.session.rollback()
    second = unit_rankings.publish(
        db.session, units.centre, "department", "2026-11", zone=SHANGHAI, note="补录回访", now=READ_AT
    )
    db.session.commit()
    assert (second.version, second.note, second.rule) == (
        2,
        "补录回访",
        {"weights": unit_rankings.DEFAULT_WEIGHTS},
    )
    assert unit_rankings.published(db.session, district_id, "department", "2026-11").id == second.id
    kept = unit_rankings.published(db.session, district_id, "department", "2026-11", version=1)
    assert [(e.name, e.score, e.rank, e.satisfaction_rate) for e in kept.entries] == frozen
    assert [v.version for v in unit_rankings.versions(db.session, district_id, "department", "2026-11")] == [
        2,
        1,
    ]
    assert unit_rankings.published_periods(db.session, district_id, "department") == ["2026-11"]


def test_weights_are_checked_and_bad_input_changes_nothing(db, units):
    for bad, field in (
        ({**CUSTOM, "response": 101}, "response"),
        ({**CUSTOM, "timeliness": -1}, "timeliness"),
        ({**CUSTOM, "satisfaction": "40"}, "satisfaction"),
        ({**CUSTOM, "resolution": None}, "resolution"),
    ):
        with pytest.raises(Invalid) as refused:
            unit_rankings.set_weights(db.session, units.centre, bad)
        assert field in refused.value.fields
    with pytest.raises(Invalid):
        unit_rankings.set_weights(db.session, units.centre, dict.fromkeys(CUSTOM, 0))
    db.session.rollback()
    assert unit_rankings.district_weights(db.session, units.centre) == unit_rankings.DEFAULT_WEIGHTS
    assert unit_rankings.set_weights(db.session, units.centre, CUSTOM) == CUSTOM
    db.session.commit()
    assert unit_rankings.district_weights(db.session, units.centre) == CUSTOM
    assert unit_rankings.district_weights(db.session, units.other_centre) == unit_rankings.DEFAULT_WEIGHTS


def test_only_the_command_centre_weighs_sees_live_and_publishes(db, world, units):
    for outsider in (world.admin, world.staff, world.resident, units.member):
        with pytest.raises(Forbidden):
            unit_rankings.set_weights(db.session, outsider, CUSTOM)
        with pytest.raises(Forbidden):
            unit_rankings.live(db.session, outsider, "department", "2026-11", zone=SHANGHAI)
        with pytest.raises(Forbidden):
            unit_rankings.publish(db.session, outsider, "department", "2026-11", zone=SHANGHAI)
    for bad_kind in ("grid", "property_company", ""):
        with pytest.raises(Invalid):
            unit_rankings.live(db.session, units.centre, bad_kind, "2026-11", zone=SHANGHAI)
    for bad_period in ("2026", "2026-W47", "2026-13", "11-2026"):
        with pytest.raises(Invalid):
            unit_rankings.live(db.session, units.centre, "department", bad_period, zone=SHANGHAI)


@pytest.mark.concurrency
def test_two_publishing_at_once_never_write_the_same_version(app, db, units):
    centre_id = units.centre.id

    def publish(session):
        actor = session.get(User, centre_id)
        return unit_rankings.publish(
            session, actor, "department", "2026-11", zone=SHANGHAI, note="同时发布"
        ).version

    results = together(app, [publish, publish])
    reread(db.session)
    written = sorted(db.session.scalars(select(UnitRanking.version)))
    won = sorted(r for r in results if isinstance(r, int))
    # Either one after the other (versions 1 and 2) or at once (one refused, nothing written by it).
    assert written == won and won in ([1, 2], [1]), results
    assert all(isinstance(r, (int, Conflict)) for r in results), results
