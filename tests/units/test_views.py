"""The command centre's department pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.auth.models import User
from engage.units import services
from engage.units.models import Department


def test_the_command_centre_creates_a_department_and_attaches_a_member(client, db, make, login, district):
    account = make.user("department")
    login(district.centre)
    assert "职能部门" in client.get("/units/departments/").get_data(as_text=True)
    assert client.post("/units/departments/", data={"name": "城管"}).status_code == 302
    department = db.session.scalar(select(Department).where(Department.name == "城管"))
    assert department.district_id == district.district.id
    response = client.post(
        f"/units/departments/{department.id}/members", data={"member-username": account.username}
    )
    assert response.status_code == 302
    page = client.get(f"/units/departments/{department.id}").get_data(as_text=True)
    assert account.display_name in page
    assert db.session.get(User, account.id).department_id == department.id


def test_a_refused_member_is_shown_on_the_form_and_nothing_changes(client, db, make, login, district):
    department = services.create_department(db.session, district.centre, "城管")
    resident = make.user("resident", community=district.community)
    login(district.centre)
    response = client.post(
        f"/units/departments/{department.id}/members", data={"member-username": resident.username}
    )
    assert response.status_code == 200
    assert "只有部门人员账号" in response.get_data(as_text=True)
    assert db.session.get(User, resident.id).department_id is None


def test_renaming_detaching_and_deactivating(client, db, make, login, district):
    department = services.create_department(db.session, district.centre, "城管")
    member = services.attach_member(
        db.session, district.centre, department.id, make.user("department").username
    )
    db.session.commit()
    login(district.centre)
    base = f"/units/departments/{department.id}"
    assert client.post(base, data={"rename-name": "城市管理"}).status_code == 302
    assert client.post(f"{base}/members/{member.id}/detach").status_code == 302
    assert client.post(f"{base}/active", data={"active": "0"}).status_code == 302
    department = db.session.get(Department, department.id)
    assert (department.name, department.is_active) == ("城市管理", False)
    assert db.session.get(User, member.id).department_id is None


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_a_street_admin_or_staff_cannot_reach_the_department_pages(client, db, login, district, who):
    department = services.create_department(db.session, district.centre, "城管")
    db.session.commit()
    login(getattr(district, who))
    assert client.get("/units/departments/").status_code == 403
    assert client.get(f"/units/departments/{department.id}").status_code == 403
    assert client.post("/units/departments/", data={"name": "冒名"}).status_code == 403


def test_another_districts_department_is_not_found(client, db, login, district):
    department = services.create_department(db.session, district.other_centre, "城管")
    db.session.commit()
    login(district.centre)
    assert client.get(f"/units/departments/{department.id}").status_code == 404
    assert client.post(f"/units/departments/{department.id}/active", data={"active": "0"}).status_code == 404
