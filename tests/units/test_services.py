"""Departments and their members, and which units each dispatcher may route to."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.community.services import save_row
from engage.errors import Conflict, Forbidden, Invalid, NotFound
from engage.units import services
from engage.units.models import Unit


def _unit_id(db, **reference) -> int:
    return db.session.scalar(select(Unit.id).filter_by(**reference))


def _listed(db, actor, kind=None) -> set[tuple[str, str]]:
    return {(u.kind, u.name) for u in services.routable_units(db.session, actor, kind)}


def test_the_command_centre_creates_a_department_that_is_a_unit(db, district):
    department = services.create_department(db.session, district.centre, " 城管 ")
    db.session.commit()
    assert department.name == "城管" and department.is_active
    unit = services.routable_unit(db.session, district.centre, _unit_id(db, department_id=department.id))
    assert (unit.kind, unit.name, unit.parent_id) == ("department", "城管", None)


def test_a_department_name_is_unique_within_its_district_only(db, district):
    services.create_department(db.session, district.centre, "城管")
    with pytest.raises(Conflict):
        services.create_department(db.session, district.centre, "城管")
    services.create_department(db.session, district.other_centre, "城管")
    second = services.create_department(db.session, district.centre, "住建")
    with pytest.raises(Conflict):
        services.rename_department(db.session, district.centre, second.id, "城管")


def test_only_the_command_centre_manages_departments(db, district):
    for actor in (district.admin, district.staff):
        with pytest.raises(Forbidden):
            services.create_department(db.session, actor, "城管")


def test_another_districts_department_is_not_found(db, district):
    department = services.create_department(db.session, district.other_centre, "城管")
    for call in (
        lambda: services.get_department(db.session, district.centre, department.id),
        lambda: services.rename_department(db.session, district.centre, department.id, "x"),
        lambda: services.set_department_active(db.session, district.centre, department.id, False),
        lambda: services.attach_member(db.session, district.centre, department.id, district.admin.username),
    ):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):
        services.routable_unit(db.session, district.centre, _unit_id(db, department_id=department.id))


def test_the_command_centre_reaches_its_whole_district(db, district):
    services.create_department(db.session, district.centre, "城管")
    services.create_department(db.session, district.other_centre, "水务")
    closed = services.create_department(db.session, district.centre, "已撤销")
    services.set_department_active(db.session, district.centre, closed.id, False)
    assert _listed(db, district.centre) == {
        ("department", "城管"),
        ("street", district.street.name),
        ("street", district.street2.name),
        ("community", district.community.name),
        ("community", district.community2.name),
        ("grid", district.grid.name),
        ("property_company", district.company.name),
        ("property_company", district.company2.name),
    }


def test_a_street_admin_reaches_their_street_and_the_departments(db, district):
    services.create_department(db.session, district.centre, "城管")
    assert _listed(db, district.admin) == {
        ("department", "城管"),
        ("street", district.street.name),
        ("community", district.community.name),
        ("community", district.community2.name),
        ("grid", district.grid.name),
        ("property_company", district.company.name),
        ("property_company", district.company2.name),
    }


def test_community_staff_reach_their_community_its_companies_and_the_departments(db, district):
    services.create_department(db.session, district.centre, "城管")
    assert _listed(db, district.staff) == {
        ("department", "城管"),
        ("community", district.community.name),
        ("grid", district.grid.name),
        ("property_company", district.company.name),
    }


def test_each_unit_names_its_parent_unit(db, district):
    units = {u.name: u for u in services.routable_units(db.session, district.admin)}
    street_unit = units[district.street.name].id
    assert units[district.community.name].parent_id == street_unit
    assert units[district.company.name].parent_id == street_unit
    assert units[district.grid.name].parent_id == units[district.community.name].id
    assert units[district.street.name].parent_id is None


def test_the_list_filters_by_kind_and_refuses_an_unknown_kind(db, district):
    assert _listed(db, district.staff, "grid") == {("grid", district.grid.name)}
    with pytest.raises(Invalid):
        services.routable_units(db.session, district.staff, "volunteer")


@pytest.mark.parametrize("roles", [("resident",), ("volunteer",), ("grid_worker",), ("department",)])
def test_those_who_do_not_dispatch_reach_no_unit(db, make, district, roles):
    with pytest.raises(Forbidden):
        services.routable_units(db.session, make.user(*roles, community=district.community))


def test_attaching_and_detaching_a_member(db, make, district):
    department = services.create_department(db.session, district.centre, "城管")
    account = make.user("department")
    member = services.attach_member(db.session, district.centre, department.id, account.username)
    assert member.department_id == department.id and member.roles == ["department"]
    assert services.members(db.session, district.centre, department.id) == [member]
    services.detach_member(db.session, district.centre, department.id, member.id)
    assert member.department_id is None and member.roles == []
    with pytest.raises(NotFound):
        services.detach_member(db.session, district.centre, department.id, member.id)


def test_an_account_of_another_district_is_not_found(db, make, district):
    department = services.create_department(db.session, district.centre, "城管")
    outsider = make.user("department", community=make.community(district.other_street))
    with pytest.raises(Invalid, match="没有这个账号"):
        services.attach_member(db.session, district.centre, department.id, outsider.username)


@pytest.mark.parametrize("roles", [("resident",), ("kiosk",), ("staff",), ("district_admin",)])
def test_only_department_accounts_become_members(db, make, district, roles):
    department = services.create_department(db.session, district.centre, "城管")
    account = make.user(*roles, community=district.community)
    with pytest.raises(Invalid):
        services.attach_member(db.session, district.centre, department.id, account.username)


def test_a_member_belongs_to_one_department(db, make, district):
    first = services.create_department(db.session, district.centre, "城管")
    second = services.create_department(db.session, district.centre, "住建")
    account = make.user("department")
    services.attach_member(db.session, district.centre, first.id, account.username)
    with pytest.raises(Invalid):
        services.attach_member(db.session, district.centre, second.id, account.username)


def test_a_community_created_on_the_hierarchy_pages_is_routable_at_once(db, district):
    community = save_row(db.session, district.admin, "communities", {"name": "新社区", "kind": "urban"})
    db.session.commit()  # one request each: the admin's scope is read again for the next
    grid = save_row(db.session, district.admin, "grids", {"community_id": community.id, "name": "新网格"})
    units = {u.name: u for u in services.routable_units(db.session, district.admin)}
    assert units["新网格"].parent_id == units["新社区"].id == _unit_id(db, community_id=community.id)
    assert _unit_id(db, grid_id=grid.id) == units["新网格"].id
