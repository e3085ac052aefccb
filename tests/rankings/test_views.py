"""Ranking pages and API: staff score and admins publish, the public lists, managers answer."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.duties import care
from engage.ledger.services import award_points, issue_budget
from engage.periods import containing
from engage.privacy import mask_name
from engage.rankings import services
from engage.rankings.leaderboards import rebuild_tallies
from engage.rankings.models import Criterion, ManualScore, YellowResponse
from points.base import utcnow
from tests.factories import DATA_KEY, ApiClient, reread
from tests.rankings.conftest import OCTOBER, SHANGHAI


def test_score_publish_and_show_the_public_lists(app, db, make, street, company, order, signed_in):
    good, poor = company(), company()
    order(good, rating=5)
    order(poor, rating=1)
    staff = signed_in(street.staff)
    page = staff.get("/rankings/property?period=2026-Q4").get_data(as_text=True)
    assert 'data-test="preview"' in page and good.name in page
    theory = next(c for c in services.criteria(db.session, street.staff) if c.code == "theory")
    db.session.commit()
    staff.post(
        "/rankings/property?period=2026-Q4",
        data={
            "score-company_id": good.id,
            "score-criterion_id": theory.id,
            "score-score": 95,
            "score-comment": "宣讲活动每月两次",
        },
    )
    reread(db.session)
    assert db.session.scalar(select(ManualScore.score)) == 95
    assert (
        signed_in(street.admin)
        .post(
            "/rankings/property?period=2026-Q4",
            data={
                "publish-red_top": 3,
                "publish-red_min": 70,
                "publish-yellow_below": 60,
                "publish-yellow_last": 1,
                "publish-note": "",
            },
        )
        .status_code
        == 302
    )
    public = (
        app.test_client().get(f"/public/rankings/{street.street.id}?period=2026-Q4").get_data(as_text=True)
    )
    red, yellow = public.split('data-test="red-list"')[1], public.split('data-test="yellow-list"')[1]
    assert good.name in red.split("</ol>")[0] and poor.name in yellow.split("</ul>")[0]

    manager = make.user("property_manager", community=street.community, property_company_id=poor.id)
    client = signed_in(manager)
    entry_id = int(
        client.get("/rankings/property/mine")
        .get_data(as_text=True)
        .split('data-test="respond-')[1]
        .split('"')[0]
    )
    client.post("/rankings/property/mine", data={"entry_id": entry_id, "text": "已整改维修流程"})
    reread(db.session)
    assert db.session.scalar(select(YellowResponse.text)) == "已整改维修流程"
    assert "已整改维修流程" in app.test_client().get(f"/public/rankings/{street.street.id}").get_data(
        as_text=True
    )


def test_staff_scoring_a_company_serving_another_community_get_403(db, make, street, company, signed_in):
    ours = company()
    neighbours = make.company(street.street)
    make.compound(make.community(street.street), company=neighbours)
    theory = next(c for c in services.criteria(db.session, street.staff) if c.code == "theory")
    db.session.commit()
    staff = signed_in(street.staff)
    page = staff.get("/rankings/property?period=2026-Q4").get_data(as_text=True)
    assert f'name="score-company_id" value="{ours.id}"' in page
    assert f'name="score-company_id" value="{neighbours.id}"' not in page
    refused = staff.post(
        "/rankings/property?period=2026-Q4",
        data={
            "score-company_id": neighbours.id,
            "score-criterion_id": theory.id,
            "score-score": 10,
            "score-comment": "差",
        },
    )
    assert refused.status_code == 403 and "服务本社区" in refused.get_data(as_text=True)
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(ManualScore)) == 0


def test_volunteers_and_residents_cannot_score_or_publish(db, make, street, signed_in):
    volunteer = signed_in(make.user("volunteer", community=street.community))
    assert volunteer.get("/rankings/property").status_code == 403
    assert (
        signed_in(street.staff)
        .post(
            "/rankings/property?period=2026-Q4",
            data={
                "publish-red_top": 3,
                "publish-red_min": 80,
                "publish-yellow_below": 60,
                "publish-yellow_last": 1,
                "publish-note": "",
            },
        )
        .status_code
        == 403
    )


def test_the_api_answers_the_published_ranking_and_the_leaderboard(
    make_app, db, make, street, company, order
):
    issue_budget(db.session, street.admin, street.community.id, 1_000, "预算")
    volunteer = make.user("volunteer", community=street.community)
    award_points(db.session, street.staff, volunteer.id, 40, "奖励")
    rebuild_tallies(db.session, zone=SHANGHAI, now=utcnow())
    good = company()
    order(good, rating=5)
    services.publish(db.session, street.admin, "2026-Q4", zone=SHANGHAI, rule={"red_min": 70})
    db.session.commit()
    api = ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(street.staff)
    answer = api.get("/api/v1/rankings/property-companies?period=2026-Q4").json
    assert answer == [
        {"rank": 1, "company_id": good.id, "name": good.name, "score": 78.57, "list": "red", "gold": False}
    ]
    assert api.get("/api/v1/rankings/property-companies?period=Q4").status_code == 400
    month = containing(utcnow(), "month", SHANGHAI).label
    assert api.get(f"/api/v1/rankings/volunteers?period={month}").json == [
        {
            "rank": 1,
            "user_id": volunteer.id,
            "display_name": mask_name(volunteer.display_name),
            "points": 40,
            "hours": 0,
        }
    ]


def test_the_dashboard_page_and_its_export_hold_the_same_figures(db, street, company, order, signed_in):
    from io import BytesIO

    from openpyxl import load_workbook

    served = company()
    for n in range(6):
        order(served, rating=5 if n < 4 else 2, on_time=n != 0)
    order(served, rating=None)
    staff = signed_in(street.staff)
    page = staff.get("/dashboard?period=2026-10").get_data(as_text=True)
    assert 'data-test="completion">85.7%<' in page and 'data-test="on-time">71.4%<' in page
    assert 'data-test="satisfaction">66.7%<' in page and page.count("<rect") == 12
    rows = dict(
        load_workbook(BytesIO(staff.get("/dashboard.xlsx?period=2026-10").data)).active.iter_rows(
            min_row=2, values_only=True
        )
    )
    assert (rows["订单数"], rows["办结率%"], rows["限时办结率%"], rows["满意度%"]) == (7, 85.7, 71.4, 66.7)
    assert signed_in(street.resident).get("/dashboard").status_code == 403


def test_the_dashboard_shows_one_chosen_community_only_to_those_who_may_see_it(
    db, make, street, company, order, signed_in
):
    from io import BytesIO

    from openpyxl import load_workbook

    for _n in range(3):
        order(company(), rating=5)
    quiet = make.community(street.street)
    elsewhere = make.community(make.street())
    quiet_grid = make.grid(quiet, grid_worker=make.user("grid_worker", community=quiet))
    unvisited = care.register_target(
        db.session,
        street.admin,
        grid_id=quiet_grid.id,
        category="hardship",
        name="张三明",
        phone="13812345678",
        zone=SHANGHAI,
        key=DATA_KEY,
    )
    unvisited.created_at = OCTOBER
    db.session.commit()

    def orders_shown(client, community) -> int:
        export = client.get(f"/dashboard.xlsx?period=2026-10&community={community.id}")
        return dict(load_workbook(BytesIO(export.data)).active.iter_rows(min_row=2, values_only=True))[
            "订单数"
        ]

    admin, staff = signed_in(street.admin), signed_in(street.staff)
    assert (orders_shown(admin, street.community), orders_shown(admin, quiet)) == (3, 0)
    overdue = {
        community.id: admin.get(f"/dashboard?community={community.id}")
        .get_data(as_text=True)
        .split('data-test="overdue">')[1]
        .split("<")[0]
        for community in (street.community, quiet)
    }
    assert overdue == {street.community.id: "0", quiet.id: "1"}
    assert admin.get(f"/dashboard?community={elsewhere.id}").status_code == 404
    assert staff.get(f"/dashboard?community={quiet.id}").status_code == 404
    assert staff.get(f"/dashboard?community={street.community.id}").status_code == 200


def test_the_public_figures_page_shows_aggregates_only(app, db, street, company, order):
    order(company(), rating=5)
    page = app.test_client().get(f"/public/figures/{street.street.id}?period=2026-10").get_data(as_text=True)
    assert 'data-test="received">1<' in page and street.resident.display_name not in page


def test_a_bad_weight_is_refused_next_to_its_field(db, street, signed_in):
    """The weights form is a form of its own: a weight out of range is shown where it was typed."""
    theory = next(c for c in services.criteria(db.session, street.admin) if c.code == "theory")
    before = theory.weight
    db.session.commit()
    page = signed_in(street.admin).post(
        "/rankings/property?period=2026-Q4", data={f"weight-{theory.id}": 101}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="field has-error"' in html and "0 到 100" in html
    reread(db.session)
    assert db.session.get(Criterion, theory.id).weight == before
