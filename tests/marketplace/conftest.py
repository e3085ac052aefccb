"""A funded community with staff, a registered kiosk, members with points, and rewards."""

from __future__ import annotations

from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from engage.ledger.services import award_points, issue_budget
from marketplace import catalogue

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def mall(db, make):
    street = make.street()
    community = make.community(street)
    admin = make.user("admin", street_id=street.id, community=community)
    staff, kiosk = make.user("staff", community=community), make.user("kiosk", community=community)
    issue_budget(db.session, admin, community.id, 100_000, "预算")
    location = catalogue.add_kiosk(db.session, staff, name="服务中心兑换机", kiosk_user_id=kiosk.id)
    db.session.commit()
    return SimpleNamespace(community=community, staff=staff, kiosk=kiosk, kiosk_location=location)


@pytest.fixture
def member(db, make, mall):
    """``member(points=30, role="resident")`` → a committed member of the mall's community."""

    def do(points: int = 0, role: str = "resident"):
        user = make.user(role, community=mall.community)
        if points:
            award_points(db.session, mall.staff, user.id, points, "志愿奖励")
        db.session.commit()
        return user

    return do


@pytest.fixture
def reward(db, mall):
    """``reward(price=10, stock=5, kiosk=False, **fields)`` → committed, stocked at the counter or kiosk."""

    def do(price: int = 10, stock: int = 5, kiosk: bool = False, **fields):
        found = catalogue.create_reward(
            db.session,
            mall.staff,
            name=fields.pop("name", "洗衣液"),
            price_points=price,
            stock=0 if kiosk else stock,
            **fields,
        )
        if kiosk and stock:
            catalogue.restock(db.session, mall.staff, found.id, mall.kiosk_location.id, stock)
        db.session.commit()
        return found

    return do
