"""Registering a care target stays inside the registrar's communities: the grid, the assigned
worker and the household must all belong to one community the registrar administers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.duties import care
from engage.duties.models import CareTarget
from engage.errors import Invalid
from tests.duties.conftest import SHANGHAI
from tests.factories import DATA_KEY


def _register(db, actor, grid, **fields):
    return care.register_target(
        db.session,
        actor,
        grid_id=grid.id,
        category="elderly_alone",
        name="李四海",
        zone=SHANGHAI,
        key=DATA_KEY,
        **fields,
    )


def _count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CareTarget))


@pytest.mark.parametrize("registrar", ["staff of another community", "admin of another street"])
def test_a_grid_of_another_community_is_refused(db, make, duty, registrar):
    other_street = make.street()
    actor = (
        make.user("staff")
        if registrar.startswith("staff")
        else make.user("admin", street_id=other_street.id, community=make.community(other_street))
    )
    with pytest.raises(Invalid) as refused:
        _register(db, actor, duty.grid)
    assert set(refused.value.fields) == {"grid_id"} and _count(db) == 0


def test_a_worker_or_household_of_another_community_is_refused(db, make, duty):
    elsewhere = make.community(duty.community.street)
    stranger = make.user("grid_worker", community=elsewhere)
    far_household = make.household(make.micro_grid(make.grid(elsewhere)))
    for fields, field in (
        ({"assigned_worker_id": stranger.id}, "assigned_worker_id"),
        ({"household_id": far_household.id}, "household_id"),
    ):
        with pytest.raises(Invalid) as refused:
            _register(db, duty.staff, duty.grid, **fields)
        assert set(refused.value.fields) == {field}
    assert _count(db) == 0


def test_a_grid_whose_worker_is_of_another_community_is_refused(db, make, duty):
    grid = make.grid(duty.community, grid_worker=make.user("grid_worker"))
    with pytest.raises(Invalid) as refused:
        _register(db, duty.staff, grid)
    assert set(refused.value.fields) == {"assigned_worker_id"} and _count(db) == 0


def test_the_street_admin_registers_in_any_community_of_the_street(db, make, duty):
    sibling = make.community(duty.community.street)
    grid = make.grid(sibling, grid_worker=make.user("grid_worker", community=sibling))
    target = _register(db, duty.admin, grid)
    db.session.commit()
    assert (target.community_id, target.assigned_worker_id) == (sibling.id, grid.grid_worker_id)
    with pytest.raises(Invalid):
        _register(db, duty.staff, grid)
    assert _count(db) == 1


def test_the_page_offers_only_the_communitys_grids_and_saves_nothing_else(db, make, duty, signed_in):
    foreign = make.grid(make.community(), grid_worker=None)
    page = signed_in(duty.staff).post(
        "/duties/targets/new",
        data={"category": "elderly_alone", "grid_id": foreign.id, "name": "李四海", "frequency": ""},
    )
    assert page.status_code == 200 and _count(db) == 0
