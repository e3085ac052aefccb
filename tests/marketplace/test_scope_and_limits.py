"""Whose redemption and pickup code is whose, and per-person limits counted per local year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import points
from engage.errors import Forbidden, NotFound
from marketplace import catalogue, redemption
from marketplace.models import Redemption
from tests.factories import ApiClient, reread
from tests.marketplace.conftest import SHANGHAI


def _buy_online(db, buyer, reward) -> Redemption:
    bought = redemption.redeem_online(db.session, buyer, reward.id, 1, zone=SHANGHAI, pickup_hours=72)
    db.session.commit()
    return bought


def _status(db, bought: Redemption) -> str:
    reread(db.session)
    return db.session.get(Redemption, bought.id).status


def test_another_members_redemption_and_its_code_stay_hidden(db, mall, member, reward, signed_in):
    owner, other, soap = member(50), member(50), reward(price=10)
    bought = _buy_online(db, owner, soap)
    with pytest.raises(NotFound):
        redemption.get_mine(db.session, other, bought.id)
    page = signed_in(other).get(f"/mall/redemptions/{bought.id}")
    assert page.status_code == 404 and bought.pickup_code not in page.get_data(as_text=True)
    assert bought.pickup_code in signed_in(owner).get(f"/mall/redemptions/{bought.id}").get_data(as_text=True)


def test_a_pickup_code_is_handed_over_only_by_staff_of_its_community(
    db, make, mall, member, reward, signed_in
):
    buyer, soap = member(50), reward(price=10)
    bought = _buy_online(db, buyer, soap)
    elsewhere = make.user("staff")
    with pytest.raises(NotFound):
        redemption.hand_over(db.session, elsewhere, bought.pickup_code)
    db.session.rollback()
    with pytest.raises(Forbidden):
        redemption.hand_over(db.session, member(50), bought.pickup_code)
    db.session.rollback()
    outsider = signed_in(elsewhere)
    page = outsider.get(f"/mall/admin/counter?code={bought.pickup_code}").get_data(as_text=True)
    assert soap.name not in page
    outsider.post("/mall/admin/counter", data={"code": bought.pickup_code})
    assert _status(db, bought) == "awaiting_pickup"


@pytest.mark.parametrize("role, status, code", [("staff", 404, "not_found"), ("resident", 403, "forbidden")])
def test_the_pickup_api_refuses_another_communitys_code_or_a_member(
    make_app, db, make, mall, member, reward, role, status, code
):
    bought = _buy_online(db, member(50), reward(price=10))
    api = ApiClient(make_app().test_client()).as_user(make.user(role))
    answer = api.post("/api/v1/redemptions/pickup", json={"pickup_code": bought.pickup_code})
    assert (answer.status_code, answer.json["error"]["code"]) == (status, code)
    assert _status(db, bought) == "awaiting_pickup"


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_yearly_limit_counts_in_local_years(db, mall, member, reward):
    buyer, rice = member(100), reward(price=5, limit_per_person=1, limit_period="year")

    def buy(now: datetime) -> Redemption:
        counter = catalogue.counter(db.session, mall.community.id)
        return redemption.redeem(
            db.session, buyer, rice.id, 1, location=counter, zone=SHANGHAI, pickup_hours=72, now=now
        )

    buy(_local(2025, 12, 31, 23, 50))
    db.session.commit()
    buy(_local(2026, 1, 1, 0, 10))  # still 2025 in UTC: the limit follows the local year
    db.session.commit()
    with pytest.raises(redemption.LimitReached, match="每年每人限兑 1 件"):
        buy(_local(2026, 12, 31, 23, 50))  # another month, the same year
    db.session.rollback()
    assert points.balance(db.session, f"user:{buyer.id}").total == 90
    assert buy(_local(2026, 12, 31, 23, 50) + timedelta(minutes=15)).status == "awaiting_pickup"
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 3
