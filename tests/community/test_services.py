"""The hierarchy services: scoping, references, derived community, posters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.audit.models import AccessLog
from engage.community import services
from engage.errors import Forbidden, Invalid, NotFound
from engage.privacy import mask_id_number, mask_name, mask_phone


def test_staff_lists_only_their_community(db, make):
    staff = make.user("staff")
    mine = make.grid(staff.community)
    make.grid()
    assert services.list_rows(db.session, staff, "grids") == [mine]


def test_admin_sees_the_whole_street_and_nothing_beyond(db, make):
    street = make.street()
    a, b = make.community(street), make.community(street)
    admin = make.user("admin", street_id=street.id)
    grids = [make.grid(a), make.grid(b)]
    make.grid()
    assert services.list_rows(db.session, admin, "grids") == grids


def test_other_communitys_row_is_not_found(db, make):
    staff = make.user("staff")
    foreign = make.grid()
    with pytest.raises(NotFound):
        services.get_row(db.session, staff, "grids", foreign.id)
    with pytest.raises(NotFound):
        services.save_row(db.session, staff, "grids", {"name": "x"}, foreign.id)


@pytest.mark.parametrize("role", ["resident", "volunteer", "grid_worker", "property_manager", "kiosk"])
def test_non_staff_roles_are_forbidden(db, make, role):
    with pytest.raises(Forbidden):
        services.list_rows(db.session, make.user(role), "grids")


def test_micro_grid_takes_its_community_from_the_grid(db, make):
    staff = make.user("staff")
    grid = make.grid(staff.community)
    row = services.save_row(db.session, staff, "micro_grids", {"grid_id": grid.id, "name": "1-1"})
    assert row.community_id == staff.community_id


def test_links_across_tenants_are_refused(db, make):
    staff = make.user("staff")
    foreign_grid = make.grid()
    with pytest.raises(Invalid) as error:
        services.save_row(db.session, staff, "micro_grids", {"grid_id": foreign_grid.id, "name": "x"})
    assert "grid_id" in error.value.fields
    outsider = make.user("grid_worker")
    with pytest.raises(Invalid):
        services.save_row(
            db.session,
            staff,
            "grids",
            {"community_id": staff.community_id, "name": "g", "grid_worker_id": outsider.id},
        )


def test_staff_cannot_edit_street_level_rows(db, make):
    staff = make.user("staff")
    with pytest.raises(Forbidden):
        services.save_row(db.session, staff, "property_companies", {"name": "x"})


def test_reading_a_household_is_logged(db, make):
    staff = make.user("staff")
    household = make.household(make.micro_grid(make.grid(staff.community)))
    services.get_row(db.session, staff, "households", household.id)
    assert db.session.scalar(select(AccessLog.subject)) == f"households:{household.id}"


def test_poster_token_round_trip_and_forgery(db, make):
    micro_grid = make.micro_grid()
    token = services.poster_token("k", micro_grid)
    assert services.micro_grid_from_poster(db.session, "k", token) is micro_grid
    with pytest.raises(NotFound):
        services.micro_grid_from_poster(db.session, "other-key", token)
    with pytest.raises(NotFound):
        services.micro_grid_from_poster(db.session, "k", token[:-2] + "xx")


def test_grid_worker_prints_only_their_own_posters(db, make):
    worker = make.user("grid_worker")
    mine = make.micro_grid(make.grid(worker.community, grid_worker=worker))
    other = make.micro_grid(make.grid(worker.community))
    assert services.micro_grid_for_poster(db.session, worker, mine.id) is mine
    with pytest.raises(NotFound):
        services.micro_grid_for_poster(db.session, worker, other.id)


def test_masks():
    assert mask_name("张三明") == "张*明" and mask_name("李四") == "李*" and mask_name("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("110101199001011234") == "110101********1234"
