"""Online redemption, pickup, refunds, expiry, limits, and the races that must not oversell."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import points
from engage.auth.models import User
from engage.errors import Invalid, InvalidTransition, NotFound
from engage.extensions import db as _db
from engage.persistence import reading
from marketplace import catalogue, redemption
from marketplace.catalogue import OutOfStock
from marketplace.models import Redemption, Reward, Stock, StockMovement
from points.base import utcnow
from tests.factories import reread, together
from tests.marketplace.conftest import SHANGHAI


def _balance(db, user) -> int:
    return points.balance(db.session, f"user:{user.id}").total


def _counter_stock(db, mall, reward) -> int:
    location = catalogue.counter(db.session, mall.community.id)
    return db.session.get(Stock, (reward.id, location.id)).quantity


def _buy(db, user, reward, quantity=1, **kwargs):
    return redemption.redeem_online(
        db.session, user, reward.id, quantity, zone=SHANGHAI, pickup_hours=72, **kwargs
    )


def test_online_redemption_waits_at_the_counter_with_a_code(db, mall, member, reward):
    buyer, soap = member(50), reward(price=15, stock=3)
    bought = _buy(db, buyer, soap, 2)
    db.session.commit()
    assert (bought.status, bought.points_spent, len(bought.pickup_code)) == ("awaiting_pickup", 30, 8)
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (20, 1)
    sale = db.session.scalar(select(StockMovement).where(StockMovement.reason == "redeem"))
    assert (sale.redemption_id, sale.delta, sale.actor_id, sale.location_id) == (
        bought.id,
        -2,
        buyer.id,
        bought.location_id,
    )
    assert sale.at == bought.created_at
    assert redemption.hand_over(db.session, mall.staff, bought.pickup_code).status == "collected"
    with pytest.raises(InvalidTransition):
        redemption.hand_over(db.session, mall.staff, bought.pickup_code)
    assert points.verify(db.session) == []


def test_a_pickup_code_in_use_is_drawn_again(db, mall, member, reward, monkeypatch):
    buyer, soap = member(50), reward(price=5, stock=3)
    first = _buy(db, buyer, soap)
    db.session.commit()
    draws = iter([first.pickup_code, first.pickup_code, "00000042"])
    monkeypatch.setattr(redemption, "_pickup_code", lambda: next(draws))
    second = _buy(db, buyer, soap)
    db.session.commit()
    assert second.pickup_code == "00000042" and next(draws, None) is None
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 2
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (40, 1)


@pytest.mark.parametrize("quantity", [0, -1, 11, "1", True, 2.5])
def test_bad_quantities_move_nothing(db, mall, member, reward, quantity):
    buyer, soap = member(50), reward()
    with pytest.raises(Invalid):
        _buy(db, buyer, soap, quantity)
    db.session.rollback()
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (50, 5)


def test_unknown_and_other_communities_rewards_are_not_found(db, make, mall, member, reward):
    buyer = member(50)
    elsewhere = catalogue.create_reward(
        db.session, make.user("staff"), name="别处的米", price_points=5, stock=5
    )
    db.session.commit()
    for reward_id in (elsewhere.id, 999_999):
        with pytest.raises(NotFound):
            redemption.redeem_online(db.session, buyer, reward_id, 1, zone=SHANGHAI, pickup_hours=72)
    assert _balance(db, buyer) == 50


def test_a_changed_price_or_a_withdrawn_reward_is_refused(db, mall, member, reward):
    buyer, soap = member(50), reward(price=15)
    with pytest.raises(redemption.PriceChanged) as refused:
        _buy(db, buyer, soap, expected_price=10)
    assert "15" in refused.value.message
    db.session.rollback()
    soap.active_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(redemption.RewardUnavailable):
        _buy(db, buyer, soap)
    db.session.rollback()
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (50, 5)


def test_too_few_points_or_items_refuse_and_roll_everything_back(db, mall, member, reward):
    buyer, soap = member(25), reward(price=10, stock=2)
    with pytest.raises(points.InsufficientPoints):
        _buy(db, member(5), soap)
    db.session.rollback()
    with pytest.raises(OutOfStock):
        _buy(db, buyer, soap, 3)
    db.session.rollback()
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (25, 2)
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_a_monthly_limit_counts_in_local_months(db, mall, member, reward):
    buyer, rice = member(100), reward(price=5, limit_per_person=1, limit_period="month")
    end_of_november = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    redemption.redeem(
        db.session,
        buyer,
        rice.id,
        1,
        location=catalogue.counter(db.session, mall.community.id),
        zone=SHANGHAI,
        pickup_hours=72,
        now=end_of_november,
    )
    with pytest.raises(redemption.LimitReached):
        redemption.redeem(
            db.session,
            buyer,
            rice.id,
            1,
            zone=SHANGHAI,
            pickup_hours=72,
            location=catalogue.counter(db.session, mall.community.id),
            now=end_of_november + timedelta(minutes=20),
        )
    db.session.rollback()
    counter = catalogue.counter(db.session, mall.community.id)
    redemption.redeem(
        db.session, buyer, rice.id, 1, location=counter, zone=SHANGHAI, pickup_hours=72, now=end_of_november
    )
    december = redemption.redeem(
        db.session,
        buyer,
        rice.id,
        1,
        location=counter,
        zone=SHANGHAI,
        pickup_hours=72,
        now=end_of_november + timedelta(minutes=31),
    )
    assert december.status == "awaiting_pickup"


def test_staff_refund_reverses_the_points_and_returns_the_stock(db, mall, member, reward):
    buyer, soap = member(50), reward(price=20, stock=1)
    bought = _buy(db, buyer, soap)
    redemption.hand_over(db.session, mall.staff, bought.pickup_code)
    with pytest.raises(Invalid):
        redemption.refund(db.session, mall.staff, bought.id, " ")
    redemption.refund(db.session, mall.staff, bought.id, "质量问题，已退回")
    db.session.commit()
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (50, 1)
    with pytest.raises(InvalidTransition):
        redemption.refund(db.session, mall.staff, bought.id, "再退一次")
    assert points.verify(db.session) == []


def test_unclaimed_redemptions_expire_refunded_and_restocked_once(db, mall, member, reward):
    buyer, soap = member(50), reward(price=20, stock=1)
    bought = _buy(db, buyer, soap)
    db.session.commit()
    assert redemption.expire_unclaimed(db.session, now=bought.expires_at - timedelta(seconds=1)) == 0
    assert redemption.expire_unclaimed(db.session, now=bought.expires_at) == 1
    assert redemption.expire_unclaimed(db.session, now=bought.expires_at) == 0
    db.session.commit()
    assert (
        _balance(db, buyer),
        _counter_stock(db, mall, soap),
        db.session.get(Redemption, bought.id).status,
    ) == (50, 1, "expired")
    assert points.verify(db.session) == []


def _caller(session, user_id: int) -> User:
    """The member as a request loads its caller: in a read transaction of its own, so that the
    redemption's reads, too, run before its write transaction (engage.persistence.reading)."""
    with reading(session):
        return session.get(User, user_id)


def test_twenty_buyers_for_the_last_item(app, db, mall, member, reward):
    buyers, last = [member(100).id for _ in range(20)], reward(price=30, stock=1)
    reward_id = last.id
    results = together(
        app,
        [
            lambda session, uid=uid: (
                redemption.redeem_online(
                    session, _caller(session, uid), reward_id, 1, zone=SHANGHAI, pickup_hours=72
                ).id
            )
            for uid in buyers
        ],
    )
    reread(db.session)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, OutOfStock) for r in results if not isinstance(r, int)), results
    assert _counter_stock(db, mall, last) == 0
    assert sum(_balance(db, db.session.get(User, uid)) for uid in buyers) == 20 * 100 - 30
    assert points.verify(db.session) == []


def test_a_member_with_points_for_three_sends_ten_at_once(app, db, mall, member, reward):
    buyer_id, soap = member(35).id, reward(price=10, stock=20)
    reward_id = soap.id
    results = together(
        app,
        [
            lambda session: (
                redemption.redeem_online(
                    session, _caller(session, buyer_id), reward_id, 1, zone=SHANGHAI, pickup_hours=72
                ).id
            )
            for _ in range(10)
        ],
    )
    reread(db.session)
    assert len([r for r in results if isinstance(r, int)]) == 3, results
    assert all(isinstance(r, points.InsufficientPoints) for r in results if not isinstance(r, int))
    assert (_balance(db, db.session.get(User, buyer_id)), _counter_stock(db, mall, soap)) == (5, 17)
    assert points.verify(db.session) == []


def test_a_double_tapped_confirm_redeems_once(app, db, mall, member, reward):
    buyer_id, soap = member(100).id, reward(price=10, stock=20)
    reward_id = soap.id
    results = together(
        app,
        [
            lambda session: (
                redemption.redeem_online(
                    session,
                    _caller(session, buyer_id),
                    reward_id,
                    1,
                    zone=SHANGHAI,
                    pickup_hours=72,
                    client_ref="web:confirm:1",
                ).id
            )
            for _ in range(8)
        ],
    )
    reread(db.session)
    assert all(isinstance(r, int) for r in results) and len(set(results)) == 1, results
    assert (_balance(db, db.session.get(User, buyer_id)), _counter_stock(db, mall, soap)) == (90, 19)
    assert points.verify(db.session) == []


def test_a_repeat_that_slips_past_the_look_up_answers_with_the_first(db, mall, member, reward, monkeypatch):
    """On PostgreSQL two confirms can both find no earlier redemption; the second then meets
    the unique (location, client_ref) and answers with the first, its own work undone.
    Forced here by a look-up that misses once."""
    buyer, soap = member(100), reward(price=10, stock=5)
    first = _buy(db, buyer, soap, client_ref="web:confirm:1")
    db.session.commit()
    look_up, calls = redemption.by_client_ref, []

    def miss_once(*args):
        calls.append(args)
        return None if len(calls) == 1 else look_up(*args)

    monkeypatch.setattr(redemption, "by_client_ref", miss_once)
    assert _buy(db, buyer, soap, client_ref="web:confirm:1").id == first.id and len(calls) == 2
    db.session.commit()
    reread(db.session)
    assert (_balance(db, buyer), _counter_stock(db, mall, soap)) == (90, 4)
    assert points.verify(db.session) == []


def _staff_edit_between_read_and_write(monkeypatch, app, reward_id: int, **fields) -> None:
    """Staff change the reward from another request (thread, app context, connection) just
    after the redemption has read it."""

    def edit():
        with app.app_context():
            found = _db.session.get(Reward, reward_id)
            for name, value in fields.items():
                setattr(found, name, value)
            _db.session.commit()
            _db.session.remove()

    read = redemption._reward_and_place

    def read_then_edit(*args):
        found = read(*args)
        editing = threading.Thread(target=edit)
        editing.start()
        editing.join(10)
        return found

    monkeypatch.setattr(redemption, "_reward_and_place", read_then_edit)


def _redeem_refused(app, buyer_id: int, reward_id: int, refusal, **kwargs):
    with app.app_context():
        with pytest.raises(refusal) as refused:
            redemption.redeem_online(
                _db.session,
                _caller(_db.session, buyer_id),
                reward_id,
                1,
                zone=SHANGHAI,
                pickup_hours=72,
                **kwargs,
            )
        _db.session.rollback()
        _db.session.remove()
    return refused.value


@pytest.mark.parametrize("seen_price", [10, None])
def test_a_price_changed_after_it_was_read_is_refused(app, db, mall, member, reward, monkeypatch, seen_price):
    buyer_id, soap = member(100).id, reward(price=10, stock=5)
    _staff_edit_between_read_and_write(monkeypatch, app, soap.id, price_points=25)
    refused = _redeem_refused(app, buyer_id, soap.id, redemption.PriceChanged, expected_price=seen_price)
    assert "25" in refused.message
    reread(db.session)
    assert (_balance(db, db.session.get(User, buyer_id)), _counter_stock(db, mall, soap)) == (100, 5)


@pytest.mark.parametrize(
    "fields",
    [{"active": False}, {"active_until": utcnow() - timedelta(minutes=1)}],
    ids=["taken-off-sale", "sale-ended"],
)
def test_a_reward_taken_off_sale_after_it_was_read_is_refused(
    app, db, mall, member, reward, monkeypatch, fields
):
    buyer_id, soap = member(100).id, reward(price=10, stock=5)
    _staff_edit_between_read_and_write(monkeypatch, app, soap.id, **fields)
    _redeem_refused(app, buyer_id, soap.id, redemption.RewardUnavailable, expected_price=10)
    reread(db.session)
    assert (_balance(db, db.session.get(User, buyer_id)), _counter_stock(db, mall, soap)) == (100, 5)
