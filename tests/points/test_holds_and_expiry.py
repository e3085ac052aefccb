"""Two-phase transfers and FIFO expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

import points
from points.models import Transaction


def test_hold_reserves_then_posts_part_and_releases_the_rest(session, fund, verified):
    fund("community:1:budget", 100)
    held = points.hold(session, "community:1:budget", "user:1", 60, kind="order_reward", reference="order:9")
    assert points.balance(session, "community:1:budget") == points.Balance(100, 60)
    with pytest.raises(points.InsufficientPoints):
        points.transfer(session, "community:1:budget", "user:2", 41, kind="award")
    session.rollback()
    held = points.hold(session, "community:1:budget", "user:1", 60, kind="order_reward")
    tx = points.post_hold(session, held, amount=45)
    assert tx.reference is None and held.status == "posted" and held.transaction_id == tx.id
    assert points.balance(session, "community:1:budget") == points.Balance(55, 0)
    assert points.balance(session, "user:1").available == 45
    with pytest.raises(points.HoldNotPending):
        points.void_hold(session, held)
    verified()


def test_void_and_expiry_release_the_reservation(session, fund, verified):
    fund("community:1:budget", 100)
    now = datetime.now(UTC)
    a = points.hold(session, "community:1:budget", "user:1", 30, kind="order_reward")
    points.hold(
        session,
        "community:1:budget",
        "user:2",
        20,
        kind="order_reward",
        expires_at=now - timedelta(minutes=1),
    )
    points.hold(
        session, "community:1:budget", "user:3", 10, kind="order_reward", expires_at=now + timedelta(hours=1)
    )
    points.void_hold(session, a)
    assert points.expire_holds(session, now=now) == 1
    assert points.balance(session, "community:1:budget") == points.Balance(100, 10)
    with pytest.raises(points.InvalidAmount):
        points.post_hold(session, session.get(points.Hold, 3), amount=11)
    verified()


def _backdate(session, tx, when):
    """Tests only: ledger rows are append-only, so history is made by rewriting the clock."""
    session.execute(update(Transaction).where(Transaction.id == tx.id).values(created_at=when))


@pytest.fixture
def dated(session, guards_off):
    """A session in which tests may back-date transactions (guards are off)."""
    yield session
    session.commit()


def _at(session, when, source, dest, amount, kind):
    tx = points.transfer(session, source, dest, amount, kind=kind)
    _backdate(session, tx, when)
    return tx


def test_expiry_is_first_in_first_out_and_idempotent(dated):
    session = dated
    t = lambda y, m, d: datetime(y, m, d, tzinfo=UTC)  # noqa: E731
    _at(session, t(2025, 1, 10), "street:1:issuance", "user:1", 100, "award")
    _at(session, t(2025, 3, 10), "user:1", "market:redeemed", 30, "redeem")
    _at(session, t(2025, 11, 10), "street:1:issuance", "user:1", 50, "award")
    session.commit()
    as_of = t(2026, 1, 1)
    # 12 months: the cut-off is 2025-01-01 and nothing was earned before it.
    assert points.expire_points(session, months=12, as_of=as_of) == []
    # 6 months: cut-off 2025-07-01; 100 earned before it, 30 spent (oldest first) → 70 expire.
    written = points.expire_points(session, months=6, as_of=as_of)
    assert len(written) == 1 and written[0].kind == "expire"
    assert points.balance(session, "user:1").total == 50
    assert points.balance(session, "expired").total == 70
    assert points.expire_points(session, months=6, as_of=as_of) == []
    assert points.balance(session, "user:1").total == 50
