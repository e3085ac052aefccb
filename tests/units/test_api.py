"""GET /api/v1/units (docs/api.md "Routing to units"): each dispatcher's units, nobody else's."""

from __future__ import annotations

from engage.units import services


def test_the_command_centre_lists_its_districts_departments(api, db, district):
    services.create_department(db.session, district.centre, "城管")
    services.create_department(db.session, district.other_centre, "水务")
    db.session.commit()
    response = api.as_user(district.centre).get("/api/v1/units?kind=department")
    assert response.status_code == 200
    [unit] = response.json
    assert set(unit) == {"id", "kind", "name", "parent_id"}
    assert (unit["kind"], unit["name"], unit["parent_id"]) == ("department", "城管", None)


def test_a_street_admin_lists_their_streets_communities_under_the_street(api, district):
    units = api.as_user(district.admin).get("/api/v1/units").json
    [street] = [u for u in units if u["kind"] == "street"]
    assert street["name"] == district.street.name
    assert {u["name"] for u in units if u["kind"] == "community" and u["parent_id"] == street["id"]} == {
        district.community.name,
        district.community2.name,
    }


def test_community_staff_list_only_their_community(api, district):
    units = api.as_user(district.staff).get("/api/v1/units?kind=community").json
    assert [u["name"] for u in units] == [district.community.name]


def test_unit_ids_are_unique_across_kinds(api, db, district):
    services.create_department(db.session, district.centre, "城管")
    db.session.commit()
    units = api.as_user(district.centre).get("/api/v1/units").json
    assert len({u["id"] for u in units}) == len(units) == 8
    assert {u["kind"] for u in units} == {"department", "street", "community", "grid", "property_company"}


def test_a_resident_is_forbidden(api, make, district):
    response = api.as_user(make.user("resident", community=district.community)).get("/api/v1/units")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_an_unknown_kind_is_invalid_input(api, district):
    response = api.as_user(district.staff).get("/api/v1/units?kind=volunteer")
    assert response.status_code == 400 and "kind" in response.json["error"]["fields"]
