"""Operator commands: demo (idempotent), create-user, create-street, set-active."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.auth.models import User
from engage.community.models import Street
from engage.orders.models import OrderEvent, ServiceOrder
from engage.units.models import Department


def test_demo_is_idempotent_and_creates_the_contract_accounts(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["engage", "demo"])
    assert first.exit_code == 0 and "engage-demo" in first.output
    users = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["engage", "demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    names = set(db.session.scalars(select(User.username)))
    assert {
        "admin",
        "staff",
        "gridworker",
        "volunteer1",
        "volunteer2",
        "resident1",
        "resident2",
        "property1",
        "kiosk1",
    } <= names
    demo = {u.username: u for u in db.session.scalars(select(User))}
    assert len({demo[n].community_id for n in ("admin", "staff", "kiosk1", "resident1")}) == 1
    assert demo["kiosk1"].roles == ["kiosk"] and demo["gridworker"].roles == ["grid_worker"]
    assert demo["district"].roles == ["district_admin"]
    departments = {d.id: d for d in db.session.scalars(select(Department))}
    assert {d.name for d in departments.values()} == {"城管", "住建", "供电", "水务", "市场监管"}
    assert {d.district_id for d in departments.values()} == {demo["district"].district_id}
    for username, department in (("dept1", "城管"), ("dept2", "住建")):
        assert demo[username].roles == ["department"]
        assert departments[demo[username].department_id].name == department
    street = db.session.scalar(select(Street).where(Street.name == "红星街道"))
    assert street.district_id == demo["district"].district_id and street.district.name == "示范区"
    _demo_has_the_unit_path(db)


def _demo_has_the_unit_path(db) -> None:
    """Requests in every status of the unit path, and a returned, an extended, a reopened
    and a whistled one (issue 17's demo)."""
    routed = db.session.scalars(select(ServiceOrder).where(ServiceOrder.handler_unit_id.is_not(None))).all()
    assert {o.status for o in routed} >= {"assigned", "signed", "replied", "closed"}
    kinds = set(db.session.scalars(select(OrderEvent.kind)))
    assert {"return", "decide_extension", "redo", "whistle", "report_in", "answer"} <= kinds
    assert any(o.reopen_count for o in routed) and any(o.priority == "urgent" for o in routed)


def test_create_street_and_user(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["engage", "create-street", "新街道", "一社区", "二社区", "--district", "新区"]
    )
    assert result.exit_code == 0, result.output
    street = db.session.scalar(select(Street).where(Street.name == "新街道"))
    community_id = street.communities[0].id
    result = runner.invoke(
        args=[
            "engage",
            "create-user",
            "--username",
            "boss",
            "--name",
            "王主任",
            "--role",
            "staff",
            "--role",
            "admin",
            "--community-id",
            str(community_id),
            "--password",
            "a-long-secret-9",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "boss"))
    assert user.roles == ["admin", "staff"] and user.community_id == community_id


def test_create_user_refuses_bad_input_with_a_message(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "engage",
            "create-user",
            "--username",
            "x y",
            "--name",
            "n",
            "--role",
            "wizard",
            "--password",
            "12345678",
        ]
    )
    assert result.exit_code != 0 and "用户名" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_set_active_disables_and_ends_sessions(app, db, make, client, login):
    user = make.user("resident")
    login(user)
    result = app.test_cli_runner().invoke(args=["engage", "set-active", user.username, "--disable"])
    assert result.exit_code == 0
    assert client.get("/profile").status_code == 302
