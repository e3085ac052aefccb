"""三不放过 (engage/rankings/three_nots.py): the month's units that refused, stalled or left
residents unsatisfied, with the requests behind them, on the history of conftest.py."""

from __future__ import annotations

import pytest

from engage.errors import Forbidden
from engage.periods import parse_label
from engage.rankings.three_nots import three_nots
from tests.rankings.conftest import READ_AT, SHANGHAI

NOVEMBER = parse_label("2026-11", SHANGHAI, kinds=("month",))


def _listed(db, actor, period=NOVEMBER):
    return [
        (row.unit.name, row.counts, {order.title: row.reasons[order.id] for order in row.orders})
        for row in three_nots(db.session, actor, period, now=READ_AT)
    ]


def test_the_command_centre_sees_every_unit_of_its_district(db, world, units, history):
    assert _listed(db, units.centre) == [
        # B replied late; C returned; D not signed again since its 重办 (overdue) after 不满意.
        (
            "城管",
            {"returned": 1, "overdue": 2, "extended": 0, "reopened": 1},
            {"诉求B": ["overdue"], "诉求C": ["returned"], "诉求D": ["overdue", "reopened"]},
        ),
        # G returned by the community's staff; one lapse, as 住建's, and the community's
        # unit is the older: it comes first.
        (
            world.community.name,
            {"returned": 1, "overdue": 0, "extended": 0, "reopened": 0},
            {"诉求G": ["returned"]},
        ),
        # E asked a 延期 (F's 重办 was October's: not November's list).
        ("住建", {"returned": 0, "overdue": 0, "extended": 1, "reopened": 0}, {"诉求E": ["extended"]}),
    ]


def test_october_lists_what_october_counted(db, units, history):
    october = parse_label("2026-10", SHANGHAI, kinds=("month",))
    # F: 不满意 on 25 October, and not signed again since (past its sign_by on 26 October).
    assert _listed(db, units.centre, october) == [
        (
            "住建",
            {"returned": 0, "overdue": 1, "extended": 0, "reopened": 1},
            {"诉求F": ["overdue", "reopened"]},
        )
    ]


def test_a_street_admin_sees_the_units_of_their_street_only(db, world, units, history):
    """Departments serve the whole district: they are the command centre's to list."""
    assert _listed(db, world.admin) == [
        (
            world.community.name,
            {"returned": 1, "overdue": 0, "extended": 0, "reopened": 0},
            {"诉求G": ["returned"]},
        )
    ]
    assert _listed(db, units.other_centre) == []


def test_no_one_else_sees_the_list(db, world, units):
    for outsider in (world.staff, world.resident, world.grid_worker, units.member):
        with pytest.raises(Forbidden):
            three_nots(db.session, outsider, NOVEMBER)
