"""Real threads against the configured database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

import points
from points.models import Hold, Transaction

pytestmark = pytest.mark.concurrency
THREADS = 20


def run_together(target, count: int = THREADS) -> list:
    """Start ``count`` threads at one barrier; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_spending_from_one_account_never_overdraws(sessions, fund, verified):
    fund("user:1", 70)  # covers 7 spends of 10

    def spend(i):
        with sessions() as session:
            tx = points.transfer(session, "user:1", "market:redeemed", 10, kind="redeem")
            session.commit()
            return tx.id

    results = run_together(spend)
    succeeded = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, points.InsufficientPoints)]
    assert len(succeeded) == 7 and len(refused) == THREADS - 7, results
    with sessions() as session:
        assert points.balance(session, "user:1").total == 0
        assert points.balance(session, "market:redeemed").total == 70
    verified()


def test_one_idempotency_key_from_twenty_threads_is_one_transaction(sessions, fund, verified):
    fund("community:1:budget", 1000)

    def award(i):
        with sessions() as session:
            tx = points.transfer(
                session, "community:1:budget", "user:5", 25, kind="award", idempotency_key="award-once"
            )
            session.commit()
            return tx.id

    results = run_together(award)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    with sessions() as session:
        assert points.balance(session, "user:5").total == 25
        assert (
            session.scalar(select(func.count()).select_from(Transaction).where(Transaction.kind == "award"))
            == 1
        )
    verified()


def test_a_hold_settles_exactly_once_under_concurrent_post_and_void(sessions, fund, verified):
    fund("community:1:budget", 100)
    with sessions() as session:
        hold_id = points.hold(session, "community:1:budget", "user:3", 40, kind="order_reward").id
        session.commit()

    def settle(i):
        with sessions() as session:
            held = session.get(Hold, hold_id)
            if i % 2:
                points.void_hold(session, held)
            else:
                points.post_hold(session, held)
            session.commit()
            return "voided" if i % 2 else "posted"

    results = run_together(settle)
    outcomes = [r for r in results if isinstance(r, str)]
    assert len(outcomes) == 1, results
    assert all(isinstance(r, points.HoldNotPending) for r in results if not isinstance(r, str))
    with sessions() as session:
        expected = 40 if outcomes == ["posted"] else 0
        assert points.balance(session, "user:3").total == expected
        assert points.balance(session, "community:1:budget") == points.Balance(100 - expected, 0)
    verified()
