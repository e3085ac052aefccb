"""One tenant scope (engage/scope.py): what it holds, that every package's lists and lookups
keep to it, and that a request works it out once however many services ask."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from engage.activities import services as activities
from engage.auth.services import managed_user, users_in_scope
from engage.community import services as community
from engage.duties import compliance, events
from engage.errors import NotFound
from engage.home import services as home
from engage.ledger.services import community_budget
from engage.orders import categories
from engage.rankings import dashboard
from engage.scope import Scope, scope_of
from engage.units.services import attach_member, create_department
from engage.volunteers import services as volunteers
from marketplace import catalogue
from points.base import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def town(db, make):
    """Street S with communities A (where the admin belongs) and A2, street T with B; staff in
    each community; S's admin; a resident of A."""
    s, t = make.street(), make.street()
    a, a2, b = make.community(s), make.community(s), make.community(t)
    staff = {c.id: make.user("staff", community=c) for c in (a, a2, b)}
    admin = make.user("admin", street_id=s.id, community=a)
    resident = make.user("resident", community=a)
    return SimpleNamespace(s=s, t=t, a=a, a2=a2, b=b, staff=staff, admin=admin, resident=resident)


def test_what_a_scope_holds(db, town):
    assert Scope.of(db.session, town.staff[town.a.id]) == Scope(
        town.staff[town.a.id].id, frozenset({"staff"}), town.a.id, town.s.id, (town.a.id,), town.s.district_id
    )
    assert Scope.of(db.session, town.admin).community_ids == (town.a.id, town.a2.id)
    resident = Scope.of(db.session, town.resident)
    assert (resident.community_id, resident.street_id, resident.community_ids) == (town.a.id, town.s.id, ())


def test_the_district_of_a_command_centre_a_street_and_a_department_member(db, make, town):
    centre = make.user("district_admin", district_id=town.s.district_id)
    member = make.user("department")
    attach_member(db.session, centre, create_department(db.session, centre, "城管").id, member.username)
    districts = {
        Scope.of(db.session, user).district_id for user in (centre, town.admin, town.resident, member)
    }
    assert districts == {town.s.district_id}
    assert Scope.of(db.session, make.user("district_admin")).district_id is None


def test_a_scope_lasts_until_the_transaction_ends(db, make, town):
    first = scope_of(db.session, town.admin)
    assert scope_of(db.session, town.admin) is first
    db.session.commit()
    later = make.community(town.s)
    assert later.id in scope_of(db.session, town.admin).community_ids


def _grid(session, make, community, staff):
    return make.grid(community).id


def _event(session, make, community, staff):
    grid = make.grid(community)
    return events.report_event(
        session,
        staff,
        grid_id=grid.id,
        kind="important_request",
        title="漏水",
        urgent_minutes=30,
        other_hours=24,
    ).id


# Lists of what a community administers: staff see their community's, the street's admin every
# community's of their street, and no one another street's. Each package's list once.
ADMINISTERED = {
    "community hierarchy": (_grid, lambda s, u: [g.id for g in community.list_rows(s, u, "grids")]),
    "users": (
        lambda s, m, c, staff: m.user("resident", community=c).id,
        lambda s, u: [x.id for x in users_in_scope(s, u).items],
    ),
    "order categories": (
        lambda s, m, c, staff: (
            categories.add_defaults(s, c.id),
            categories.active_categories(s, c.id)[0].id,
        )[1],
        lambda s, u: [x.id for x in categories.community_categories(s, u)],
    ),
    "468 grids": (_grid, lambda s, u: compliance.grid_ids_in_scope(s, u)),
    "必到 events": (_event, lambda s, u: [e.id for e in s.scalars(events.events_in_scope(s, u))]),
    "dashboard": (lambda s, m, c, staff: c.id, lambda s, u: dashboard.communities(s, u)),
}


@pytest.mark.parametrize("name", ADMINISTERED)
def test_administered_lists_keep_to_the_scope(db, make, town, name):
    make_row, listed = ADMINISTERED[name]
    rows = {c.id: make_row(db.session, make, c, town.staff[c.id]) for c in (town.a, town.a2, town.b)}
    db.session.commit()
    a, a2, b = rows[town.a.id], rows[town.a2.id], rows[town.b.id]
    mine = set(listed(db.session, town.staff[town.a.id]))
    assert a in mine and a2 not in mine and b not in mine
    street = set(listed(db.session, town.admin))
    assert {a, a2} <= street and b not in street


def _activity(session, make, community, staff):
    start = utcnow() + timedelta(days=2)
    return activities.create_activity(
        session,
        staff,
        title="巡逻",
        kind="patrol",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        points_per_hour=10,
        location="小区",
    ).id


# Lists of a community's own things, run by its staff: everyone sees their own community's.
OWN = {
    "activities": (_activity, lambda s, u: [x.id for x in s.scalars(activities.upcoming(s, u))]),
    "volunteer teams": (
        lambda s, m, c, staff: volunteers.create_team(s, staff, name="巡逻队").id,
        lambda s, u: [team.id for team, _n in volunteers.community_teams(s, u)],
    ),
    "mall merchants": (
        lambda s, m, c, staff: catalogue.add_merchant(s, staff, name="小超市").id,
        lambda s, u: [x.id for x in catalogue.merchants(s, u)],
    ),
}


@pytest.mark.parametrize("name", OWN)
def test_own_community_lists_keep_to_it(db, make, town, name):
    make_row, listed = OWN[name]
    rows = {c.id: make_row(db.session, make, c, town.staff[c.id]) for c in (town.a, town.a2, town.b)}
    db.session.commit()
    for user in (town.staff[town.a.id], town.admin, town.resident):
        found = set(listed(db.session, user))
        assert rows[town.a.id] in found and rows[town.a2.id] not in found and rows[town.b.id] not in found


LOOKUPS = {
    "hierarchy row": lambda s, town, row: community.get_row(s, town.staff[town.a.id], "grids", row.grid),
    "managed user": lambda s, town, row: managed_user(s, town.staff[town.a.id], town.staff[town.a2.id].id),
    "community budget": lambda s, town, row: community_budget(s, town.staff[town.a.id], town.a2.id),
    "dashboard community": lambda s, town, row: dashboard.communities(s, town.staff[town.a.id], town.a2.id),
    "mall reward": lambda s, town, row: catalogue.get_reward(s, town.staff[town.a.id], row.reward),
    "admin, another street's grid": lambda s, town, row: community.get_row(s, town.admin, "grids", row.far),
}


@pytest.mark.parametrize("name", LOOKUPS)
def test_lookups_outside_the_scope_are_not_found(db, make, town, name):
    """Staff of A look up what belongs to A2 of the same street; the admin what belongs to B."""
    row = SimpleNamespace(
        grid=make.grid(town.a2).id,
        far=make.grid(town.b).id,
        reward=catalogue.create_reward(db.session, town.staff[town.a2.id], name="毛巾", price_points=10).id,
    )
    db.session.commit()
    with pytest.raises(NotFound):
        LOOKUPS[name](db.session, town, row)
    assert community.get_row(db.session, town.admin, "grids", row.grid).id == row.grid


def _counting(monkeypatch) -> dict[str, int]:
    counts = {"of": 0, "asked": 0}
    of, ask = Scope.of.__func__, scope_of

    def counted_of(cls, session, user):
        counts["of"] += 1
        return of(cls, session, user)

    def counted_ask(session, actor):
        counts["asked"] += 1
        return ask(session, actor)

    monkeypatch.setattr(Scope, "of", classmethod(counted_of))
    for module in (community, dashboard, compliance, home):
        monkeypatch.setattr(module, "scope_of", counted_ask)
    return counts


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_a_page_works_the_scope_out_once(db, make, town, signed_in, monkeypatch, path):
    make.grid(town.a2)
    browser = signed_in(town.admin)
    counts = _counting(monkeypatch)
    assert browser.get(path).status_code == 200
    assert counts["of"] == 1 and counts["asked"] >= 2, counts


def test_an_api_call_works_the_scope_out_once(db, make, town, api, monkeypatch):
    make.grid(town.a2)
    client = api.as_user(town.admin)
    counts = _counting(monkeypatch)
    response = client.get("/api/v1/hierarchy/grids")
    assert response.status_code == 200 and len(response.json["items"]) == 1
    assert counts["of"] == 1, counts


def test_a_member_moved_to_another_street_in_this_transaction_is_scoped_there(db, make, town):
    other = make.community(make.street())
    resident = db.session.get(type(town.resident), town.resident.id)
    assert resident.home_street_id == town.s.id, "loaded with the account"
    resident.community_id = other.id
    assert scope_of(db.session, resident).street_id == other.street_id
