"""Budgets and awards through the service layer."""

from __future__ import annotations

import pytest

import points
from engage.errors import Forbidden, Invalid, NotFound
from engage.ledger import services


def test_award_is_paid_from_the_community_budget(db, make, funded):
    staff, _admin = funded(500)
    member = make.user("volunteer", community=staff.community)
    services.award_points(db.session, staff, member.id, 120, "扫雪")
    db.session.commit()
    assert services.points_balance(db.session, member) == 120
    assert points.balance(db.session, services.budget_account(staff.community_id)).available == 380


def test_budget_exhausted_moves_nothing(db, make, funded):
    staff, _admin = funded(100)
    member = make.user("volunteer", community=staff.community)
    with pytest.raises(services.BudgetExhausted):
        services.award_points(db.session, staff, member.id, 101, "超额")
    db.session.rollback()
    assert services.points_balance(db.session, member) == 0


@pytest.mark.parametrize("amount", [0, -5, 100_001, 1.5, True])
def test_bad_amounts_are_refused(db, make, funded, amount):
    staff, _admin = funded()
    member = make.user("volunteer", community=staff.community)
    with pytest.raises(Invalid):
        services.award_points(db.session, staff, member.id, amount, "x")


def test_awards_are_scoped_to_the_staffs_community(db, make, funded):
    staff, _admin = funded()
    with pytest.raises(NotFound):
        services.award_points(db.session, staff, make.user("volunteer").id, 10, "越权")
    with pytest.raises(Forbidden):
        services.award_points(
            db.session, make.user("volunteer", community=staff.community), staff.id, 10, "x"
        )


def test_staff_cannot_award_themselves_or_accounts_above_them(db, make, funded):
    staff, admin = funded()
    for user, message in ((staff, "不能给自己发放积分"), (admin, "角色高于您")):
        with pytest.raises(Forbidden, match=message):
            services.award_points(db.session, staff, user.id, 10, "自肥")
        db.session.rollback()
        assert services.points_balance(db.session, user) == 0
    with pytest.raises(Forbidden, match="不能给自己发放积分"):
        services.award_points(db.session, admin, admin.id, 10, "自肥")


def test_only_the_streets_admin_issues_to_its_communities(db, make, funded):
    staff, admin = funded()
    with pytest.raises(Forbidden):
        services.issue_budget(db.session, staff, staff.community_id, 10, "x")
    with pytest.raises(NotFound):
        services.issue_budget(db.session, admin, make.community().id, 10, "x")


def test_statement_filters_by_kind_and_refuses_unknown(db, make, funded):
    staff, _admin = funded()
    member = make.user("volunteer", community=staff.community)
    services.award_points(db.session, staff, member.id, 5, "a")
    statement = services.my_statement(db.session, member, kinds=["award"])
    assert statement.balance.available == 5 and statement.lines.total == 1
    with pytest.raises(Invalid):
        services.my_statement(db.session, member, kinds=["bogus"])
