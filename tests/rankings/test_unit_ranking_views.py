"""The units' rankings pages and API: the command centre weighs and publishes, the public
page shows what was published without a login, the API answers the same, and the 三不放过
page lists the month's lapses."""

from __future__ import annotations

from sqlalchemy import select

from engage.rankings import unit_rankings
from engage.rankings.models import UnitRanking, UnitRankingWeights
from tests.factories import PASSWORD, ApiClient, csrf_token, reread
from tests.rankings.conftest import READ_AT, SHANGHAI

WEIGHTS = {
    "weights-response": 20,
    "weights-resolution": 30,
    "weights-satisfaction": 40,
    "weights-timeliness": 10,
}


def _publish(db, units, label: str = "2026-11", note: str = ""):
    ranking = unit_rankings.publish(
        db.session, units.centre, "department", label, zone=SHANGHAI, note=note, now=READ_AT
    )
    db.session.commit()
    return ranking


def test_the_command_centre_weighs_and_publishes_on_its_page(db, units, history, signed_in):
    centre = signed_in(units.centre)
    page = centre.get("/rankings/units?kind=department&period=2026-11").get_data(as_text=True)
    assert 'data-test="live"' in page and "城管" in page and "未排名" in page
    assert centre.post("/rankings/units?kind=department&period=2026-11", data=WEIGHTS).status_code == 302
    reread(db.session)
    assert unit_rankings.district_weights(db.session, units.centre)["satisfaction"] == 40
    refused = centre.post("/rankings/units?period=2026-11", data={**WEIGHTS, "weights-response": 200})
    assert refused.status_code == 200 and "必须是 0 到 100 之间的整数" in refused.get_data(as_text=True)
    done = centre.post("/rankings/units?kind=department&period=2026-11", data={"publish-note": ""})
    assert done.status_code == 302 and f"/public/rankings/units/{units.city.district_id}" in done.location
    again = centre.post("/rankings/units?kind=department&period=2026-11", data={"publish-note": ""})
    assert again.status_code == 200 and "重新发布请说明原因" in again.get_data(as_text=True)
    reread(db.session)
    assert db.session.scalar(select(UnitRanking.version)) == 1  # the refused republish wrote nothing
    entries = unit_rankings.published(db.session, units.city.district_id, "department", "2026-11").entries
    assert [(e.name, e.rank) for e in entries][:2] == [("住建", 1), ("城管", 2)]


def test_the_weights_form_needs_its_csrf_token(make_app, db, units):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login = {
        "csrf_token": csrf_token(client, "/login"),
        "username": units.centre.username,
        "password": PASSWORD,
    }
    assert client.post("/login", data=login).status_code == 302
    assert client.post("/rankings/units", data=WEIGHTS).status_code in (200, 400)
    reread(db.session)
    assert db.session.get(UnitRankingWeights, units.city.district_id) is None
    token = csrf_token(client, "/rankings/units")
    assert client.post("/rankings/units", data={**WEIGHTS, "weights-csrf_token": token}).status_code == 302
    reread(db.session)
    assert db.session.get(UnitRankingWeights, units.city.district_id).response == 20


def test_the_public_page_needs_no_login_and_shows_the_latest_version(client, db, units, history):
    url = f"/public/rankings/units/{units.city.district_id}?kind=department"
    assert 'data-test="unpublished"' in client.get(url).get_data(as_text=True)
    _publish(db, units)
    page = client.get(url).get_data(as_text=True)
    # Default weights: 住建 (10 + 40 + 10) / 60 = 100; 城管 7.5 + 10 + 20 + 5 = 42.5; 供电 unranked.
    assert page.index("住建") < page.index("城管") < page.index("供电")
    assert "100.00" in page and "42.50" in page and "未排名" in page and "第 1 版" in page
    unit_rankings.set_weights(
        db.session, units.centre, {"response": 1, "resolution": 0, "satisfaction": 0, "timeliness": 0}
    )
    _publish(db, units, note="按响应率复核")
    page = client.get(url).get_data(as_text=True)
    assert "第 2 版" in page and "按响应率复核" in page and 'data-test="versions"' in page
    first = client.get(url + "&period=2026-11&version=1").get_data(as_text=True)
    assert "第 1 版" in first and "42.50" in first
    _publish(db, units, "2026-Q4")
    assert "2026-Q4 第 1 版" in client.get(url).get_data(as_text=True)  # opens on the latest publication
    assert client.get("/public/rankings/units/999999").status_code == 404
    assert client.get(url.replace("department", "grid")).status_code == 400


def test_the_api_answers_the_published_version_as_the_contract_says(make_app, db, world, units, history):
    api = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(world.resident)
    url = "/api/v1/rankings/units?kind=department&period=2026-11"
    assert api.get(url).json == []  # nothing published: the live figures are the command centre's
    _publish(db, units)
    answer = api.get(url).json
    assert answer == [
        {
            "rank": 1,
            "unit_id": units.housing.id,
            "name": "住建",
            "score": 100.0,
            "response_rate": 1.0,
            "resolution_rate": 1.0,
            "satisfaction_rate": None,
            "timeliness_rate": 1.0,
        },
        {
            "rank": 2,
            "unit_id": units.city.id,
            "name": "城管",
            "score": 42.5,
            "response_rate": 0.75,
            "resolution_rate": 0.25,
            "satisfaction_rate": 0.5,
            "timeliness_rate": 0.5,
        },
        {
            "rank": None,
            "unit_id": units.power.id,
            "name": "供电",
            "score": None,
            "response_rate": None,
            "resolution_rate": None,
            "satisfaction_rate": None,
            "timeliness_rate": None,
        },
    ]
    _publish(db, units, "2026-Q4")
    assert [row["name"] for row in api.get("/api/v1/rankings/units?period=2026-Q4").json] == [
        "城管",
        "住建",
        "供电",
    ]
    for bad in ("period=2026-13", "period=2026", "kind=grid&period=2026-11", "kind=&period=2026-11"):
        refused = api.get(f"/api/v1/rankings/units?{bad}")
        assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid_input", bad
    other = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(units.other_member)
    assert other.get(url).json == []  # another district's published ranking is not theirs
    assert ApiClient(make_app().test_client()).get(url).status_code == 401


def test_the_three_nots_page_lists_units_and_their_requests(db, units, world, history, signed_in):
    page = signed_in(units.centre).get("/rankings/units/three-nots?period=2026-11").get_data(as_text=True)
    assert page.count('data-test="lapses"') == 3 and "诉求D" in page and "不满意（重办）" in page
    street = signed_in(world.admin).get("/rankings/units/three-nots?period=2026-11").get_data(as_text=True)
    assert street.count('data-test="lapses"') == 1 and "诉求G" in street and "诉求D" not in street


def test_refusals(client, db, world, units, signed_in):
    for outsider in (world.admin, world.staff, units.member):
        own = signed_in(outsider)
        assert own.get("/rankings/units").status_code == 403
        assert own.post("/rankings/units", data=WEIGHTS).status_code == 403
        assert own.post("/rankings/units", data={"publish-note": "x"}).status_code == 403
    for outsider in (world.staff, world.resident, units.member):
        assert signed_in(outsider).get("/rankings/units/three-nots").status_code == 403
    assert client.get("/rankings/units").status_code == 302  # to the login page
    assert client.get("/rankings/units/three-nots").status_code == 302
    reread(db.session)
    assert db.session.scalar(select(UnitRanking.id)) is None
    assert db.session.scalar(select(UnitRankingWeights.district_id)) is None
