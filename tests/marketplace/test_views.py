"""The mall, the counter, the history with its Excel export, and the kiosk's pages."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

import points
from marketplace import members
from marketplace.models import Redemption, Reward
from tests.factories import reread


def _balance(db, user) -> int:
    reread(db.session)
    return points.balance(db.session, f"user:{user.id}").total


def test_redeem_in_the_mall_and_collect_at_the_counter(db, mall, member, reward, signed_in):
    buyer, soap = member(50), reward(price=15, stock=2)
    phone = signed_in(buyer)
    assert "洗衣液" in phone.get("/mall/").get_data(as_text=True)
    form = {"quantity": 1, "price": 15, "request_id": "tap-1"}
    first = phone.post(f"/mall/rewards/{soap.id}/redeem", data=form)
    assert (
        phone.post(f"/mall/rewards/{soap.id}/redeem", data=form).headers["Location"]
        == first.headers["Location"]
    )
    page = phone.get(first.headers["Location"]).get_data(as_text=True)
    code = re.search(r'data-test="pickup-code">(\d{8})<', page).group(1)
    assert _balance(db, buyer) == 35

    counter = signed_in(mall.staff)
    assert "洗衣液" in counter.get(f"/mall/admin/counter?code={code}").get_data(as_text=True)
    counter.post("/mall/admin/counter", data={"code": code})
    reread(db.session)
    assert db.session.scalar(select(Redemption.status)) == "collected"
    assert 'data-test="code-unknown"' in counter.get("/mall/admin/counter?code=00000000").get_data(
        as_text=True
    )


def test_a_price_change_between_view_and_confirm_moves_nothing(db, mall, member, reward, signed_in):
    buyer, soap = member(50), reward(price=15)
    answer = signed_in(buyer).post(
        f"/mall/rewards/{soap.id}/redeem", data={"quantity": 1, "price": 12}, follow_redirects=True
    )
    assert "价格已变为 15 积分" in answer.get_data(as_text=True)
    assert _balance(db, buyer) == 50
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_staff_add_a_reward_restock_and_export_the_history(db, mall, member, signed_in):
    staff = signed_in(mall.staff)
    created = staff.post(
        "/mall/admin",
        data={
            "name": "大米",
            "price_points": 30,
            "category": "goods",
            "merchant_id": 0,
            "stock": 4,
            "active": "y",
        },
    )
    reward_path = created.headers["Location"]
    reward_id = int(reward_path.rsplit("/", 1)[1])
    staff.post(f"{reward_path}/stock", data={"stock-location_id": mall.kiosk_location.id, "stock-delta": 3})
    levels = staff.get(reward_path).get_data(as_text=True)
    assert "首批入库" in levels and "+3" in levels
    buyer = member(100)
    signed_in(buyer).post(f"/mall/rewards/{reward_id}/redeem", data={"quantity": 2, "price": 30})
    page = staff.get("/mall/admin/redemptions").get_data(as_text=True)
    assert "大米 ×2" in page and buyer.display_name not in page
    sheet = load_workbook(BytesIO(staff.get("/mall/admin/redemptions.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][3:6] == ("大米", 2, 60) and rows[-1][:1] + rows[-1][4:6] == ("合计", 2, 60)


def test_bad_reward_input_is_explained_and_saves_nothing(db, mall, signed_in):
    page = (
        signed_in(mall.staff)
        .post("/mall/admin", data={"name": "金条", "price_points": 0, "category": "goods", "merchant_id": 0})
        .get_data(as_text=True)
    )
    assert "1 到 1000000" in page
    assert db.session.scalar(select(func.count()).select_from(Reward)) == 0


def test_the_kiosk_serves_a_member_by_code_and_forgets_them(make_app, db, mall, member, reward):
    buyer, towel = member(50), reward(price=12, kiosk=True)
    app = make_app(KIOSK_IDLE_SECONDS=60)
    kiosk = app.test_client()
    kiosk.post("/login", data={"username": mall.kiosk.username, "password": "correct-horse-42"})
    assert kiosk.get("/").headers["Location"].endswith("/kiosk/")
    with app.app_context():
        token, _expires = members.member_code(buyer, app.config["SECRET_KEY"])
    assert (
        kiosk.post("/kiosk/identify/code", data={"code-token": token})
        .headers["Location"]
        .endswith("/kiosk/shop")
    )
    shop = kiosk.get("/kiosk/shop").get_data(as_text=True)
    assert 'data-test="kiosk-balance">50<' in shop
    receipt = kiosk.post(
        f"/kiosk/redeem/{towel.id}",
        data={"quantity": 1, "price": 12, "request_id": "r1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'data-test="kiosk-new-balance">38<' in receipt
    kiosk.post("/kiosk/done")
    assert kiosk.get("/kiosk/shop").headers["Location"].endswith("/kiosk/")
    again = kiosk.post("/kiosk/identify/code", data={"code-token": token}, follow_redirects=True)
    assert "会员码已使用" in again.get_data(as_text=True)


def test_an_idle_kiosk_forgets_the_member(make_app, db, mall, member):
    buyer = member(50)
    app = make_app(KIOSK_IDLE_SECONDS=0)
    kiosk = app.test_client()
    kiosk.post("/login", data={"username": mall.kiosk.username, "password": "correct-horse-42"})
    card = members.set_pin(db.session, buyer, "480213")
    db.session.commit()
    kiosk.post("/kiosk/identify/pin", data={"pin-member_no": card.member_no, "pin-pin": "480213"})
    assert kiosk.get("/kiosk/shop").headers["Location"].endswith("/kiosk/")


def test_people_are_not_kiosks_and_kiosks_are_not_shops(db, mall, member, signed_in):
    assert signed_in(member(10)).get("/kiosk/").status_code == 403
    assert signed_in(mall.kiosk).get("/mall/admin").status_code == 403


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_reward_with_a_picture_and_a_sale_period(db, mall, member, signed_in):
    import io

    staff = signed_in(mall.staff)
    created = staff.post(
        "/mall/admin",
        data={
            "name": "保温杯",
            "price_points": 40,
            "category": "goods",
            "merchant_id": 0,
            "stock": 2,
            "active": "y",
            "picture": (io.BytesIO(PNG), "cup.png"),
        },
        content_type="multipart/form-data",
    )
    reward_id = int(created.headers["Location"].rsplit("/", 1)[1])
    buyer = signed_in(member(100))

    def picture() -> bytes:
        with buyer.get(f"/mall/rewards/{reward_id}/picture") as response:
            return response.data

    assert picture() == PNG
    refused = staff.post(
        f"/mall/admin/rewards/{reward_id}",
        data={
            "name": "保温杯",
            "price_points": 40,
            "category": "goods",
            "merchant_id": 0,
            "active": "y",
            "picture": (io.BytesIO(b"not an image"), "cup.png"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and picture() == PNG
    staff.post(
        f"/mall/admin/rewards/{reward_id}",
        data={
            "name": "保温杯",
            "price_points": 40,
            "category": "goods",
            "merchant_id": 0,
            "active": "y",
            "active_until": "2020-01-01",
        },
    )
    assert "保温杯" not in buyer.get("/mall/").get_data(as_text=True)


def test_too_few_points_in_the_mall_is_said_in_chinese_without_the_ledger_address(
    db, mall, member, reward, signed_in
):
    buyer, soap = member(5), reward(price=15)
    page = (
        signed_in(buyer)
        .post(
            f"/mall/rewards/{soap.id}/redeem",
            data={"quantity": 1, "price": 15},
            headers={"Referer": f"/mall/rewards/{soap.id}"},
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "积分余额不足" in page
    assert f"user:{buyer.id}" not in page and "too few points" not in page
    assert _balance(db, buyer) == 5


def test_a_reward_named_like_a_formula_is_exported_as_text(db, mall, member, reward, signed_in):
    buyer, trap = member(50), reward(price=10, name='=HYPERLINK("http://evil.example","领奖")')
    signed_in(buyer).post(f"/mall/rewards/{trap.id}/redeem", data={"quantity": 1, "price": 10})
    sheet = load_workbook(BytesIO(signed_in(mall.staff).get("/mall/admin/redemptions.xlsx").data)).active
    cell = sheet["D2"]
    assert (cell.value, cell.data_type) == (trap.name, "s")


def test_a_refused_reward_stores_no_picture(make_app, db, mall, tmp_path):
    import io

    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    staff = app.test_client()
    login = staff.post("/login", data={"username": mall.staff.username, "password": "correct-horse-42"})
    assert login.status_code == 302
    refused = staff.post(
        "/mall/admin",
        data={
            "name": "保温杯",
            "price_points": 40,
            "category": "goods",
            "merchant_id": 0,
            "active": "y",
            "active_from": "2026-12-10",
            "active_until": "2026-12-01",
            "picture": (io.BytesIO(PNG), "cup.png"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200 and "下架时间必须晚于上架时间" in refused.get_data(as_text=True)
    assert not (tmp_path / "uploads" / "rewards").exists()
