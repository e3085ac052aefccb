"""The loop through the HTML pages, the poster's prefilled form, photos, categories."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import points
from engage.community.services import poster_token
from engage.orders.models import OrderEvent, ServiceOrder


def _login(app, user):
    client = app.test_client()
    assert (
        client.post("/login", data={"username": user.username, "password": "correct-horse-42"}).status_code
        == 302
    )
    return client


def _order_id(response) -> int:
    return int(re.search(r"/orders/(\d+)", response.headers["Location"]).group(1))


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_full_loop_through_the_pages(app, db, world):
    resident, staff = _login(app, world.resident), _login(app, world.staff)
    volunteer = _login(app, world.volunteers[0])
    placed = resident.post(
        "/orders/new",
        data={"category": "repair", "title": "修门锁", "description": "门锁坏了", "on_behalf_of": 0},
    )
    order_id = _order_id(placed)
    assert "修门锁" in staff.get("/orders/queue").get_data(as_text=True)
    page = staff.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-test="suggestions"' in page
    staff.post(f"/orders/{order_id}/dispatch", data={"volunteer_id": 0})
    assert f'data-test="order-{order_id}"' in volunteer.get("/tasks").get_data(as_text=True)
    volunteer.post(f"/orders/{order_id}/accept")
    volunteer.post(
        f"/orders/{order_id}/complete",
        data={"note": "已修好", "photo": (io.BytesIO(PNG), "lock.png")},
        content_type="multipart/form-data",
    )
    photo = volunteer.get(f"/orders/{order_id}/photo")
    assert photo.data == PNG and photo.mimetype == "image/png"
    photo.close()
    resident.post(f"/orders/{order_id}/rate", data={"stars": 5, "comment": "很好"})
    detail = resident.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-status="closed"' in detail and 'data-test="points-awarded"' in detail
    assert db.session.get(ServiceOrder, order_id).status == "closed"
    assert points.balance(db.session, f"user:{world.volunteers[0].id}").total == 25
    assert "+25" in volunteer.get("/points/").get_data(as_text=True)


def test_bad_photo_and_missing_note_change_nothing(app, db, world, advance):
    order_id = advance("accepted").id
    volunteer = _login(app, world.volunteers[0])
    gif = volunteer.post(
        f"/orders/{order_id}/complete",
        data={"note": "完成", "photo": (io.BytesIO(b"GIF89a...."), "x.gif")},
        content_type="multipart/form-data",
    )
    assert gif.status_code == 400 and "只接受JPEG或PNG照片" in gif.get_data(as_text=True)
    empty = volunteer.post(f"/orders/{order_id}/complete", data={"note": ""}, follow_redirects=True)
    assert 'data-status="accepted"' in empty.get_data(as_text=True)
    assert db.session.get(ServiceOrder, order_id).status == "accepted"


def test_poster_opens_the_order_form_for_its_micro_grid(app, db, world):
    token = poster_token(app.config["SECRET_KEY"], world.micro_grid)
    resident = _login(app, world.resident)
    form = resident.get(f"/orders/new?m={token}").get_data(as_text=True)
    assert 'data-test="order-micro-grid"' in form
    placed = resident.post(
        f"/orders/new?m={token}",
        data={"category": "errand", "title": "取快递", "micro_grid_token": token, "on_behalf_of": 0},
    )
    order = db.session.get(ServiceOrder, _order_id(placed))
    assert order.channel == "qr" and order.micro_grid_id == world.micro_grid.id


def test_other_community_staff_gets_404_on_pages(app, make, world, advance):
    order_id = advance("placed").id
    outsider = _login(app, make.user("staff"))
    assert outsider.get(f"/orders/{order_id}").status_code == 404
    assert outsider.post(f"/orders/{order_id}/dispatch", data={"volunteer_id": 0}).status_code == 404


def test_staff_edits_categories(app, db, world):
    staff = _login(app, world.staff)
    response = staff.post(
        "/orders/categories",
        data={
            "code": "tutoring",
            "name": "课业辅导",
            "points": 12,
            "skill": "",
            "dispatch_hours": 24,
            "accept_hours": 24,
            "resolve_hours": 72,
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert "课业辅导" in staff.get("/orders/categories").get_data(as_text=True)
    duplicate = staff.post(
        "/orders/categories",
        data={
            "code": "tutoring",
            "name": "重复",
            "points": 5,
            "dispatch_hours": 1,
            "accept_hours": 1,
            "resolve_hours": 1,
        },
    )
    assert "该类别代码已存在" in duplicate.get_data(as_text=True)


def test_order_page_in_english_has_no_chinese_interface_text(app, db, world, advance):
    import re as _re

    order = advance("completed")
    for viewer in (world.resident, world.staff):
        client = _login(app, viewer)
        client.post("/language", data={"lang": "en", "next": "/"})
        html = client.get(f"/orders/{order.id}").get_data(as_text=True)
        text = _re.sub(r"<[^>]+>", " ", html)
        for data in ("陪同就医", "周三上午", "助老助残", "已完成", "中文", "用户"):
            text = text.replace(data, "")
        assert not _re.search(r"[\u4e00-\u9fff]", text), _re.findall(r"[\u4e00-\u9fff]+", text)[:10]


def test_every_party_is_notified_and_can_read_it(app, db, world, advance):
    order = advance("closed")
    for user, expected in (
        (world.staff, "新的服务订单待派单"),
        (world.resident, "服务已完成，请评价"),
        (world.volunteers[0], "您获得 30 积分"),
        (world.volunteers[2], "有新的服务订单可以接单"),
    ):
        client = _login(app, user)
        home = client.get("/").get_data(as_text=True)
        assert 'class="badge"' in home, user.username
        page = client.get("/notifications").get_data(as_text=True)
        assert expected in page and f"/orders/{order.id}" in page
        client.post("/notifications/read")
        assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_an_unknown_queue_or_distance_is_refused_in_chinese(app, db, world):
    staff, volunteer = _login(app, world.staff), _login(app, world.volunteers[0])
    queue = staff.get("/orders/queue?status=overdue")
    tasks = volunteer.get("/tasks?near=moon")
    assert (queue.status_code, tasks.status_code) == (400, 400)
    assert "未知的订单状态" in queue.get_data(as_text=True)
    assert "未知的距离范围" in tasks.get_data(as_text=True)
    assert "unknown" not in queue.get_data(as_text=True) + tasks.get_data(as_text=True)


@pytest.fixture
def uploads_app(make_app, tmp_path):
    """An app with an upload folder of its own, so a test can see what a request left there."""
    return make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))


def _photo_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "orders"
    return list(folder.iterdir()) if folder.exists() else []


def test_refused_completions_store_no_photo(uploads_app, db, world, advance):
    order_id = advance("accepted").id
    other = _login(uploads_app, world.volunteers[1])
    for target in (order_id, 999_999):
        refused = other.post(
            f"/orders/{target}/complete",
            data={"note": "完成", "photo": (io.BytesIO(PNG), "x.png")},
            content_type="multipart/form-data",
        )
        assert refused.status_code in (403, 404)
    assert _photo_files(uploads_app) == []
    assert db.session.get(ServiceOrder, order_id).status == "accepted"


def test_a_completion_whose_commit_fails_leaves_no_photo(uploads_app, db, world, advance):
    order_id = advance("accepted").id
    volunteer = _login(uploads_app, world.volunteers[0])

    def refuse_the_completion(session):
        """The commit that would record the completion fails, as a database can refuse one."""
        if session.scalar(select(func.count()).where(OrderEvent.kind == "complete")):
            raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_commit", refuse_the_completion)
    try:
        with pytest.raises(RuntimeError, match="refused the commit"):
            volunteer.post(
                f"/orders/{order_id}/complete",
                data={"note": "完成", "photo": (io.BytesIO(PNG), "x.png")},
                content_type="multipart/form-data",
            )
    finally:
        event.remove(Session, "before_commit", refuse_the_completion)
    assert _photo_files(uploads_app) == []
    assert db.session.get(ServiceOrder, order_id).status == "accepted"
    volunteer.post(
        f"/orders/{order_id}/complete",
        data={"note": "完成", "photo": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert [p.read_bytes() for p in _photo_files(uploads_app)] == [PNG]
