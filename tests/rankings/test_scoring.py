"""Property rankings on a fixture scored by hand; ties; publishing freezes; republish is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.errors import Forbidden, Invalid, NotFound
from engage.rankings import services
from engage.rankings.models import ManualScore, PropertyRanking
from tests.factories import reread, together
from tests.rankings.conftest import SHANGHAI


def _manual(db, street, company, label, **scores):
    by_code = {c.code: c for c in services.criteria(db.session, street.staff)}
    for code, value in scores.items():
        criterion = by_code[code]
        services.score(
            db.session, street.staff, label, company.id, criterion.id, value, "考评组打分", zone=SHANGHAI
        )
    db.session.commit()


def test_scores_ranks_and_lists_worked_out_by_hand(db, street, company, order, served):
    a, b, c = company(), company(), company()
    # A: 4 × 5★ all on time → satisfaction 100, response 100, complaints 100; 10 h → 100; theory 90, civ 70.
    for _ in range(4):
        order(a)
    served(a, 600)
    _manual(db, street, a, "2026-Q4", theory=90, civilization=70)
    # B: 4★, 4★ one late → 80 and 50; one 社情民意 order → complaints 80; 5 h → 50; theory 60, civ unscored.
    order(b, rating=4)
    order(b, rating=4, on_time=False)
    order(b, rating=None, category="feedback")
    served(b, 300)
    _manual(db, street, b, "2026-Q4", theory=60)
    # C: one 2★ on time → satisfaction 40, response 100, complaints 80 (a 2★ rating);
    # no hours → 0; theory 50, civ 50.
    order(c, rating=2)
    _manual(db, street, c, "2026-Q4", theory=50, civilization=50)

    results = services.preview(db.session, street.admin, "2026-Q4", zone=SHANGHAI)
    # A: (15·90 + 15·70 + 15·100 + 25·100 + 15·100 + 15·100) / 100 = 94
    # B: (15·60 + 15·50 + 25·80 + 15·50 + 15·80) / 85 (文明创建 not scored) = 5600 / 85 = 65.88
    # C: (15·50 + 15·50 + 15·0 + 25·40 + 15·100 + 15·80) / 100 = 52
    assert [(e.company.id, e.score, e.rank, e.listed) for e in results] == [
        (a.id, 94.0, 1, "red"),
        (b.id, 65.88, 2, None),
        (c.id, 52.0, 3, "yellow"),
    ]
    assert set(results[2].reasons) == {"理论宣讲 50", "文明创建 50", "志愿服务参与 0", "居民满意度 40"}


def test_ties_go_to_higher_satisfaction_then_to_the_earlier_company(db, street, company, order):
    plain, bright, twin = company(), company(), company()
    # bright and twin: 5★ + 4★ (satisfaction 90), theory 50; plain: 3★ + 3★ (60), theory 100.
    # All: response 100, complaints 100, no hours. Each totals (15·t + 1500 + 1500 + 25·s) / 85 = 6000 / 85.
    for found, ratings, theory in ((plain, (3, 3), 100), (bright, (5, 4), 50), (twin, (5, 4), 50)):
        for stars in ratings:
            order(found, rating=stars)
        _manual(db, street, found, "2026-Q4", theory=theory)
    results = services.preview(db.session, street.admin, "2026-Q4", zone=SHANGHAI)
    assert [(e.company.id, e.score) for e in results] == [
        (bright.id, 70.59),
        (twin.id, 70.59),
        (plain.id, 70.59),
    ]


def test_publishing_freezes_and_a_republish_is_a_recorded_new_version(db, street, company, order):
    a, b = company(), company()
    order(a, rating=5)
    order(b, rating=3)
    first = services.publish(db.session, street.admin, "2026-Q4", zone=SHANGHAI)
    db.session.commit()
    frozen = [(e.company_id, e.score) for e in first.entries]
    order(a, rating=1)
    db.session.expire_all()
    assert [
        (e.company_id, e.score) for e in services.latest(db.session, street.street.id, "2026-Q4").entries
    ] == frozen
    assert services.preview(db.session, street.admin, "2026-Q4", zone=SHANGHAI)[0].score != frozen[0][1]
    with pytest.raises(Invalid):
        services.publish(db.session, street.admin, "2026-Q4", zone=SHANGHAI)
    db.session.rollback()
    second = services.publish(
        db.session, street.admin, "2026-Q4", zone=SHANGHAI, note="补录投诉工单后重新发布"
    )
    db.session.commit()
    assert (second.version, second.note) == (2, "补录投诉工单后重新发布")
    assert db.session.query(PropertyRanking).count() == 2
    assert services.latest(db.session, street.street.id, "2026-Q4").id == second.id


def test_gold_for_three_red_quarters_in_a_row(db, street, company):
    """Manual scores only: 95 and 95 with complaints 100 and no hours = 72.5; 90 and 90 = 70."""
    steady, newcomer = company(), company()
    for label in ("2026-Q2", "2026-Q3", "2026-Q4"):
        _manual(db, street, steady, label, theory=95, civilization=95)
        if label != "2026-Q2":
            _manual(db, street, newcomer, label, theory=90, civilization=90)
        ranking = services.publish(db.session, street.admin, label, zone=SHANGHAI, rule={"red_min": 70})
        db.session.commit()
    gold = {e.company_id: e.gold for e in ranking.entries}
    assert gold == {steady.id: True, newcomer.id: False}


def test_managers_answer_their_own_yellow_listing_only(db, make, street, company, order):
    good, poor = company(), company()
    order(good, rating=5)
    order(poor, rating=1)
    ranking = services.publish(db.session, street.admin, "2026-Q4", zone=SHANGHAI, rule={"red_min": 70})
    db.session.commit()
    yellow = next(e for e in ranking.entries if e.list == "yellow")
    red = next(e for e in ranking.entries if e.list == "red")
    manager = make.user("property_manager", community=street.community, property_company_id=poor.id)
    services.respond(db.session, manager, yellow.id, "已成立整改小组，本月内完成维修回访。")
    with pytest.raises(NotFound):
        services.respond(db.session, manager, red.id, "不是我们的")
    with pytest.raises(Invalid):
        services.score(
            db.session,
            street.staff,
            "2026-Q4",
            good.id,
            next(c.id for c in services.criteria(db.session, street.staff) if c.code == "satisfaction"),
            100,
            "",
            zone=SHANGHAI,
        )


def test_admins_reweigh_the_criteria_and_must_arrive_can_count(db, street, company, order, signed_in):
    from datetime import datetime

    from engage.community.models import Compound, MicroGrid
    from engage.duties import events

    served = company()
    order(served, rating=5)
    grid_id = (
        db.session.query(MicroGrid.grid_id)
        .join(Compound, Compound.id == MicroGrid.compound_id)
        .filter(Compound.property_company_id == served.id)
        .scalar()
    )
    reported = datetime(2026, 10, 20, 9, tzinfo=SHANGHAI)
    events.report_event(
        db.session,
        street.staff,
        grid_id=grid_id,
        kind="emergency",
        title="停电",
        now=reported,
        urgent_minutes=30,
        other_hours=24,
    )
    db.session.commit()
    by_code = {c.code: c for c in services.criteria(db.session, street.admin)}
    client = signed_in(street.admin)
    weights = {f"weight-{c.id}": 0 for c in by_code.values()}
    client.post(
        "/rankings/property?period=2026-Q4",
        data={
            "weights": "1",
            **weights,
            f"weight-{by_code['arrival'].id}": 50,
            f"weight-{by_code['satisfaction'].id}": 50,
        },
    )
    result = services.preview(db.session, street.admin, "2026-Q4", zone=SHANGHAI)[0]
    assert result.breakdown["arrival"]["score"] == 0.0 and result.score == 50.0  # (50·0 + 50·100) / 100
    with pytest.raises(Invalid):
        services.set_weights(db.session, street.admin, {c.id: 0 for c in by_code.values()})
    with pytest.raises(Invalid):
        services.set_weights(db.session, street.admin, {by_code["theory"].id: 101})


def test_staff_score_only_companies_serving_their_community_admins_any(db, make, street, company):
    ours = company()
    neighbours = make.company(street.street)
    make.compound(make.community(street.street), company=neighbours)
    theory = next(c.id for c in services.criteria(db.session, street.staff) if c.code == "theory")
    db.session.commit()

    def score(actor, found):
        return services.score(db.session, actor, "2026-Q4", found.id, theory, 90, "宣讲", zone=SHANGHAI)

    with pytest.raises(Forbidden, match="服务本社区"):
        score(street.staff, neighbours)
    db.session.rollback()
    assert db.session.query(ManualScore).count() == 0
    assert services.scorable_company_ids(db.session, street.staff) == {ours.id}
    score(street.staff, ours)
    score(street.admin, neighbours)
    db.session.commit()
    assert db.session.query(ManualScore).count() == 2


@pytest.mark.concurrency
def test_one_criterion_scored_at_once_is_one_row_and_no_error(app, db, street, company):
    """It was read-then-insert: the second of two at once failed on the unique constraint."""
    target = company()
    theory = next(c for c in services.criteria(db.session, street.staff) if c.code == "theory")
    staff_id, company_id, criterion_id = street.staff.id, target.id, theory.id
    db.session.commit()
    results = together(
        app,
        [
            lambda session, v=v: services.score(
                session,
                session.get(type(street.staff), staff_id),
                "2026-Q4",
                company_id,
                criterion_id,
                v,
                "考评组打分",
                zone=SHANGHAI,
            )
            for v in range(60, 66)
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)]
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(ManualScore)) == 1
