"""The 468 pages: due lists, the logged full record, visits, events, checklists, dashboard, exports."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from engage.audit.models import AccessLog
from engage.duties.models import DutyEvent, HouseholdCheck, Visit
from points.base import utcnow
from tests.factories import reread


def test_the_worker_records_a_visit_and_the_target_leaves_the_overdue_list(db, duty, target, signed_in):
    elder = target(created_at=utcnow() - timedelta(days=40))
    worker = signed_in(duty.worker)
    home = worker.get("/duties/").get_data(as_text=True)
    assert f'data-test="target-{elder.id}"' in home.split('data-test="due-soon"')[0] and "张三明" not in home
    record = worker.get(f"/duties/targets/{elder.id}").get_data(as_text=True)
    assert "张三明" in record and "13812345678" in record
    worker.post(
        f"/duties/targets/{elder.id}/visits",
        data={
            "visited_at": (utcnow() + timedelta(hours=8) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
            "kind": "home",
            "found": "精神不错",
        },
    )
    assert (
        f'data-test="target-{elder.id}"'
        not in worker.get("/duties/").get_data(as_text=True).split('data-test="due-soon"')[0]
    )
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 1


def test_a_future_visit_is_refused_on_the_page(db, duty, target, signed_in):
    elder = target()
    page = (
        signed_in(duty.worker)
        .post(
            f"/duties/targets/{elder.id}/visits",
            data={"visited_at": "2099-01-01T09:00", "kind": "home"},
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "走访时间不能晚于现在" in page
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_outsiders_get_nothing_through_pages_and_exports(db, make, duty, target, signed_in):
    elder = target()
    for user in (
        make.user("volunteer", community=duty.community),
        make.user("resident", community=duty.community),
        make.user("property_manager", community=duty.community),
    ):
        client = signed_in(user)
        assert client.get("/duties/").status_code == 403
        assert client.get(f"/duties/targets/{elder.id}").status_code == 403
        assert client.get("/duties/targets.xlsx").status_code == 403
    other_staff = signed_in(make.user("staff"))
    assert other_staff.get(f"/duties/targets/{elder.id}").status_code == 404
    sheet = load_workbook(BytesIO(other_staff.get("/duties/targets.xlsx").data)).active
    assert sheet.max_row == 1
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0


def test_the_export_masks_and_leaves_out_restricted_notes(db, duty, target, signed_in):
    target(category="hardship", notes="低保户")
    target(category="petitioner", notes="多次信访")
    from engage.duties import care

    care.grant_category(db.session, duty.admin, duty.staff.id, "petitioner")
    db.session.commit()
    rows = list(
        load_workbook(BytesIO(signed_in(duty.staff).get("/duties/targets.xlsx").data)).active.iter_rows(
            values_only=True
        )
    )
    assert {r[2] for r in rows[1:]} == {"张*明"} and {r[3] for r in rows[1:]} == {"138****5678"}
    assert {r[7] for r in rows[1:]} == {"低保户", None}  # an empty cell reads back as None


def test_events_checklists_and_the_dashboard_through_pages(db, duty, signed_in):
    worker = signed_in(duty.worker)
    reported = worker.post(
        "/duties/events", data={"kind": "emergency", "grid_id": duty.grid.id, "title": "水管爆裂"}
    )
    worker.post(reported.headers["Location"] + "/arrive")
    reread(db.session)
    assert db.session.scalar(select(DutyEvent.status)) == "arrived"
    household = duty.households[0]
    worker.post(f"/duties/households/{household.id}", data={"item": "needs"})
    assert db.session.scalar(select(HouseholdCheck.item)) == "needs"
    page = worker.get("/duties/compliance").get_data(as_text=True)
    assert 'data-test="must-arrive">100.0%<' in page and 'data-test="must-know">8.3%<' in page
    assert page.count("<rect") == 18 + 24 and 'data-test="by-grid"' in page


def test_a_need_found_on_a_visit_becomes_an_order_for_a_resident(db, make, duty, target, signed_in):
    from engage.orders.categories import add_defaults
    from engage.orders.models import ServiceOrder

    add_defaults(db.session, duty.community.id)
    resident = make.user("resident", community=duty.community)
    elder = target(household_id=duty.households[0].id)
    signed_in(duty.worker).post(
        f"/duties/targets/{elder.id}/visits",
        data={
            "visited_at": (utcnow() + timedelta(hours=8) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
            "kind": "home",
            "order_category": "repair",
            "order_for": resident.id,
            "order_title": "厨房水龙头漏水",
        },
    )
    reread(db.session)
    order = db.session.scalar(select(ServiceOrder))
    assert (order.title, order.requester_id, order.channel, order.micro_grid_id) == (
        "厨房水龙头漏水",
        resident.id,
        "grid_worker",
        duty.micro.id,
    )
    assert db.session.scalar(select(Visit.order_id)) == order.id


def test_an_order_becomes_a_must_arrive_event_of_its_grid(db, make, duty, signed_in):
    from engage.orders.categories import add_defaults
    from engage.orders.services import place_order

    add_defaults(db.session, duty.community.id)
    resident = make.user("resident", community=duty.community)
    order = place_order(
        db.session, resident, category="repair", title="楼道漏电", micro_grid_id=duty.micro.id
    )
    db.session.commit()
    staff = signed_in(duty.staff)
    assert 'data-test="to-event"' in staff.get(f"/orders/{order.id}").get_data(as_text=True)
    staff.post(f"/duties/events/from-order/{order.id}", data={"kind": "emergency"})
    reread(db.session)
    event = db.session.scalar(select(DutyEvent))
    assert (event.order_id, event.grid_id, event.title) == (order.id, duty.grid.id, "楼道漏电")
    assert (
        signed_in(resident)
        .post(f"/duties/events/from-order/{order.id}", data={"kind": "emergency"})
        .status_code
        == 403
    )
