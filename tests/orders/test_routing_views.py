"""The unit path's pages: each step's form is offered to the right person and does its
step; the order page shows the handler, the first responder, the priority and the whistles."""

from __future__ import annotations

import io

from engage.orders.models import ServiceOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _login(app, user):
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    return client


def _page(client, order_id: int) -> str:
    return client.get(f"/orders/{order_id}").get_data(as_text=True)


def _status(db, order_id: int) -> str:
    return db.session.get(ServiceOrder, order_id, populate_existing=True).status


def test_the_command_centre_assigns_from_the_unit_picker(app, db, units, place):
    order = place(category="repair", title="路灯不亮")
    centre = _login(app, units.centre)
    assert "路灯不亮" in centre.get("/orders/queue").get_data(as_text=True)
    page = _page(centre, order.id)
    assert 'data-test="assign-submit"' in page and "职能部门 · 城管" in page
    assert 'data-test="dispatch-submit"' not in page  # volunteers are the community's to dispatch
    response = centre.post(
        f"/orders/{order.id}/assign", data={"assign-unit_id": units.city.id, "assign-note": "请尽快"}
    )
    assert response.status_code == 302 and _status(db, order.id) == "assigned"
    page = _page(centre, order.id)
    assert 'data-test="handler-unit"' in page and "城管" in page
    assert 'data-test="first-responder"' in page and units.centre.display_name in page


def test_staff_choose_volunteer_service_or_a_unit(app, world, place):
    page = _page(_login(app, world.staff), place().id)
    assert 'data-test="dispatch-submit"' in page and 'data-test="assign-submit"' in page


def test_a_member_signs_extends_and_replies_with_a_photo(app, db, units, route):
    order = route("assigned")
    member = _login(app, units.member)
    assert "路灯不亮" in member.get("/units/queue").get_data(as_text=True)
    assert 'data-test="sign-submit"' in _page(member, order.id)
    member.post(f"/orders/{order.id}/sign")
    assert _status(db, order.id) == "signed"
    page = _page(member, order.id)
    assert 'data-test="reply-submit"' in page and 'data-test="extension-submit"' in page
    member.post(f"/orders/{order.id}/extension", data={"extension-hours": 24, "extension-reason": "等配件"})
    assert 'data-test="extension"' in _page(member, order.id)
    response = member.post(
        f"/orders/{order.id}/reply",
        data={"reply-result": "已更换灯泡", "reply-photo": (io.BytesIO(PNG), "lamp.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    changed = db.session.get(ServiceOrder, order.id, populate_existing=True)
    assert (changed.status, changed.completion_note) == ("replied", "已更换灯泡") and changed.photo
    photo = member.get(f"/orders/{order.id}/photo")
    assert photo.data == PNG
    photo.close()


def test_a_member_returns_with_a_reason_and_an_empty_reason_changes_nothing(app, db, units, route):
    order = route("assigned")
    member = _login(app, units.member)
    member.post(f"/orders/{order.id}/return", data={"return-reason": ""})
    assert _status(db, order.id) == "assigned"
    member.post(f"/orders/{order.id}/return", data={"return-reason": "不属于城管"})
    assert _status(db, order.id) == "placed"


def test_the_dispatcher_decides_the_extension_and_calls_back(app, db, units, route):
    order = route("signed", extension=True)
    centre = _login(app, units.centre)
    assert 'data-test="decision-submit"' in _page(centre, order.id)
    centre.post(f"/orders/{order.id}/extension/decision", data={"decision-approve": "1"})
    assert db.session.get(ServiceOrder, order.id, populate_existing=True).extensions[0].status == "approved"
    order = route("replied")
    assert 'data-test="callback-submit"' in _page(centre, order.id)
    centre.post(
        f"/orders/{order.id}/callback",
        data={"callback-satisfaction": "unsatisfied", "callback-note": "没修好"},
    )
    page = _page(centre, order.id)
    assert _status(db, order.id) == "assigned" and 'data-test="reopen-count"' in page


def test_staff_whistle_and_the_department_reports_in(app, db, world, units, route):
    order = route("assigned")
    staff = _login(app, world.staff)
    assert 'data-test="whistle-submit"' in _page(staff, order.id)
    staff.post(
        f"/orders/{order.id}/whistle", data={"whistle-unit_ids": [units.housing.id], "whistle-note": "需配合"}
    )
    housing = _login(app, units.housing_member)
    assert "路灯不亮" in housing.get("/units/queue").get_data(as_text=True)
    assert 'data-test="report-submit"' in _page(housing, order.id)
    housing.post(f"/orders/{order.id}/report-in", data={"report-note": "已到场"})
    assert 'data-test="reported"' in _page(staff, order.id)


def test_answer_and_close_and_priority_on_the_page(app, db, world, units, place):
    order = place(title="咨询办证")
    staff = _login(app, world.staff)
    staff.post(f"/orders/{order.id}/priority", data={"priority-priority": "urgent"})
    assert "紧急" in _page(staff, order.id)
    staff.post(f"/orders/{order.id}/answer", data={"answer-answer": "带身份证到社区服务中心"})
    assert _status(db, order.id) == "closed"
    assert "带身份证到社区服务中心" in _page(staff, order.id)


def test_department_members_land_on_their_queue_and_outsiders_get_404(app, units, route):
    order = route("assigned")
    home = _login(app, units.member).get("/").get_data(as_text=True)
    assert 'data-test="home-unit-queue"' in home and "(1)" in home
    assert _login(app, units.other_member).get(f"/orders/{order.id}").status_code == 404
    assert _login(app, units.housing_member).post(f"/orders/{order.id}/sign").status_code == 404
    assert _login(app, units.other_centre).get(f"/orders/{order.id}").status_code == 404
