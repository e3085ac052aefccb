"""The statement and budget pages, and ``flask engage points …``."""

from __future__ import annotations

from sqlalchemy import text

import points
from engage.ledger.services import award_points


def test_statement_page_shows_balance_and_lines(client, db, login, make, funded):
    staff, _admin = funded()
    member = make.user("volunteer", community=staff.community)
    award_points(db.session, staff, member.id, 42, "清理楼道")
    db.session.commit()
    login(member)
    page = client.get("/points/").get_data(as_text=True)
    assert 'data-test="balance">42<' in page and "清理楼道" in page and "+42" in page


def test_budget_page_award_form(client, db, login, make, funded):
    staff, _admin = funded(300)
    member = make.user("volunteer", community=staff.community, phone="13912340000")
    login(staff)
    assert 'data-test="budget-available">300<' in client.get("/points/budget").get_data(as_text=True)
    ok = client.post(
        "/points/budget/award",
        data={"award-member": "13912340000", "award-amount": 100, "award-memo": "表彰"},
    )
    assert ok.status_code == 302
    assert points.balance(db.session, f"user:{member.id}").available == 100
    too_much = client.post(
        "/points/budget/award", data={"award-member": "13912340000", "award-amount": 201, "award-memo": "x"}
    )
    assert too_much.status_code == 400 and "预算不足" in too_much.get_data(as_text=True)
    unknown = client.post(
        "/points/budget/award", data={"award-member": "nobody", "award-amount": 1, "award-memo": "x"}
    )
    assert "找不到该用户" in unknown.get_data(as_text=True)


def test_staff_awarding_themselves_on_the_budget_page_get_403(client, db, login, make, funded):
    staff, _admin = funded(300)
    login(staff)
    response = client.post(
        "/points/budget/award",
        data={"award-member": staff.username, "award-amount": 100, "award-memo": "自肥"},
    )
    assert response.status_code == 403 and "不能给自己发放积分" in response.get_data(as_text=True)
    assert points.balance(db.session, f"user:{staff.id}").total == 0


def test_admin_issues_budget_from_the_page(client, db, login, make, funded):
    staff, admin = funded(0 + 1)
    login(admin)
    response = client.post(
        "/points/budget/issue",
        data={"issue-community_id": staff.community_id, "issue-amount": 5000, "issue-memo": "追加"},
    )
    assert response.status_code == 302
    assert points.balance(db.session, f"community:{staff.community_id}:budget").available == 5001


def test_staff_cannot_see_another_communitys_budget(client, login, make, funded):
    staff, _admin = funded()
    login(staff)
    assert client.get(f"/points/budget?community={make.community().id}").status_code == 404


def test_verify_command_ok_then_names_tampered_row(app, db, make, funded):
    funded()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["engage", "points", "verify"])
    assert result.exit_code == 0 and "ledger OK" in result.output
    with db.engine.begin() as conn:
        posting, tx = conn.execute(
            text("SELECT id, transaction_id FROM ledger_postings ORDER BY id LIMIT 1")
        ).one()
        for statement in points.schema.drop_guard_ddl(conn.dialect.name):
            conn.exec_driver_sql(statement)
        conn.execute(text("UPDATE ledger_postings SET amount = amount + 1 WHERE id = :id"), {"id": posting})
    result = runner.invoke(args=["engage", "points", "verify"])
    assert result.exit_code == 1 and f"transaction {tx}" in result.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_postings SET amount = amount - 1 WHERE id = :id"), {"id": posting})
        points.schema.install_guards(conn)


def test_issue_and_expire_commands(app, db, make, funded):
    staff, admin = funded()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "engage",
            "points",
            "issue",
            str(staff.community_id),
            "250",
            "--memo",
            "追加",
            "--by",
            admin.username,
        ]
    )
    assert result.exit_code == 0, result.output
    assert points.balance(db.session, f"community:{staff.community_id}:budget").available == 1250
    refused = runner.invoke(
        args=[
            "engage",
            "points",
            "issue",
            str(staff.community_id),
            "5",
            "--memo",
            "x",
            "--by",
            staff.username,
        ]
    )
    assert refused.exit_code != 0
    off = runner.invoke(args=["engage", "points", "expire"])
    assert "off" in off.output
    on = runner.invoke(args=["engage", "points", "expire", "--months", "1", "--as-of", "2020-01-01"])
    assert on.exit_code == 0 and "Expired 0 points" in on.output
