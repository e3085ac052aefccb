"""Posting, transfers, reversals, idempotency and the database's own guards."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select, text

import points
from points.models import Posting


def test_transfer_moves_points_and_records_balance_after(session, fund, verified):
    fund("community:1:budget", 500)
    tx = points.transfer(
        session,
        "community:1:budget",
        "user:7",
        120,
        kind="award",
        memo="扫雪",
        reference="user:7",
        actor_id=3,
    )
    session.commit()
    assert points.balance(session, "user:7").available == 120
    assert points.balance(session, "community:1:budget").available == 380
    assert sorted((p.amount, p.balance_after) for p in tx.postings) == [(-120, 380), (120, 120)]
    assert tx.actor_id == 3 and tx.created_at.tzinfo is not None
    verified()


def test_an_account_loaded_before_a_posting_shows_the_new_balance(session, fund):
    fund("user:7", 50)
    account = session.scalar(select(points.Account).where(points.Account.address == "user:7"))
    assert account.balance == 50
    points.transfer(session, "user:7", "market:redeemed", 20, kind="redeem")
    assert account.balance == 30, "the ORM's copy is read again, not left stale"


@pytest.mark.parametrize(
    "postings",
    [
        [("user:1", 5)],
        [("user:1", 5), ("user:2", -4)],
        [("user:1", 0), ("user:2", 0)],
        [("user:1", 1.5), ("user:2", -1.5)],
        [("user:1", True), ("user:2", -1)],
    ],
)
def test_unbalanced_or_bad_amounts_are_refused(session, postings):
    with pytest.raises((points.UnbalancedTransaction, points.InvalidAmount)):
        points.post(session, postings, kind="award")


def test_a_transaction_names_each_account_once(session, fund):
    fund("user:1", 10)
    with pytest.raises(points.RepeatedAccount):
        points.post(session, [("user:1", 5), ("user:1", -5)], kind="award")


@pytest.mark.parametrize("amount", [0, -5, 2.5, "10"])
def test_transfer_amount_must_be_a_positive_integer(session, amount):
    with pytest.raises(points.InvalidAmount):
        points.transfer(session, "a", "b", amount, kind="award")


def test_user_accounts_never_go_negative_issuance_may(session, verified):
    with pytest.raises(points.InsufficientPoints):
        points.transfer(session, "user:1", "market:redeemed", 1, kind="redeem")
    session.rollback()
    points.transfer(session, "street:9:issuance", "user:1", 10, kind="issue")
    session.commit()
    assert points.balance(session, "street:9:issuance").total == -10
    verified()


def test_idempotent_retry_returns_the_first_transaction(session, fund):
    fund("community:1:budget", 100)
    first = points.transfer(session, "community:1:budget", "user:1", 10, kind="award", idempotency_key="k")
    again = points.transfer(session, "community:1:budget", "user:1", 10, kind="award", idempotency_key="k")
    session.commit()
    assert again.id == first.id and points.balance(session, "user:1").total == 10
    with pytest.raises(points.IdempotencyMismatch):
        points.transfer(session, "community:1:budget", "user:1", 11, kind="award", idempotency_key="k")


def test_reverse_writes_the_opposite_once(session, fund, verified):
    fund("user:1", 50)
    tx = points.transfer(session, "user:1", "market:redeemed", 30, kind="redeem")
    back = points.reverse(session, tx, actor_id=2, memo="退货")
    session.commit()
    assert back.reverses_id == tx.id and points.balance(session, "user:1").total == 50
    with pytest.raises(points.AlreadyReversed):
        points.reverse(session, tx)
    verified()


def test_reversing_again_with_the_same_key_returns_the_first_reversal(session, fund, verified):
    fund("user:1", 50)
    tx = points.transfer(session, "user:1", "market:redeemed", 30, kind="redeem")
    first = points.reverse(session, tx, idempotency_key="refund:1")
    session.commit()
    again = points.reverse(session, tx, idempotency_key="refund:1")
    assert again.id == first.id and points.balance(session, "user:1").total == 50
    with pytest.raises(points.AlreadyReversed):
        points.reverse(session, tx, idempotency_key="refund:2")
    verified()


def test_reversal_cannot_overdraw(session, fund):
    fund("user:1", 30)
    with session.begin_nested():
        tx = points.transfer(session, "user:1", "user:2", 30, kind="award")
    points.transfer(session, "user:2", "market:redeemed", 30, kind="redeem")
    with pytest.raises(points.InsufficientPoints):
        points.reverse(session, tx)


def test_a_refused_debit_inside_a_savepoint_leaves_every_balance_as_it_was(session, fund, verified):
    """The one UPDATE has already credited the others when it refuses the debit; the
    savepoint (as the kiosk queue uses one per item) takes that back, and the session lives on."""
    fund("user:1", 10)
    fund("user:2", 10)
    with pytest.raises(points.InsufficientPoints, match="user:1"):
        with session.begin_nested():
            points.post(session, [("user:1", -11), ("user:2", 6), ("market:redeemed", 5)], kind="redeem")
    assert [points.balance(session, f"user:{n}").total for n in (1, 2)] == [10, 10]
    assert points.balance(session, "market:redeemed").total == 0
    session.commit()
    verified()


def test_statement_newest_first_with_filters_and_paging(session, fund):
    fund("user:1", 100)
    for amount in (10, 20, 30):
        points.transfer(session, "user:1", "market:redeemed", amount, kind="redeem")
    session.commit()
    lines = points.statement(session, "user:1", limit=2)
    assert [line.amount for line in lines] == [-30, -20] and lines[0].balance_after == 40
    assert [line.kind for line in points.statement(session, "user:1", kinds=["issue"])] == ["issue"]
    assert points.statement_count(session, "user:1") == 4
    assert [line.amount for line in points.statement(session, "user:1", limit=2, offset=2)] == [-10, 100]


def test_postings_and_transactions_cannot_be_changed_or_deleted(sessions, fund):
    fund("user:1", 10)
    for statement in (
        "UPDATE ledger_postings SET amount = 99",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transactions SET memo = 'x'",
        "DELETE FROM ledger_transactions",
    ):
        with sessions() as session, pytest.raises(Exception, match="append-only"):
            session.execute(text(statement))
            session.flush()


def test_verify_names_a_posting_edited_behind_the_ledgers_back(sessions, fund, engine, guards_off):
    fund("user:1", 10)
    fund("user:2", 20)
    with engine.begin() as conn:
        posting_id = conn.execute(select(Posting.id).where(Posting.amount == 20)).scalar()
        conn.execute(text("UPDATE ledger_postings SET amount = 25 WHERE id = :id"), {"id": posting_id})
    with sessions() as session:
        found = points.verify(session)
    assert any("postings sum to 5" in p for p in found)
    assert any("content does not match its hash" in p for p in found)
    assert f"posting {posting_id}: account" in " ".join(found) and "chain broken" in " ".join(found)


def test_import_points_does_not_import_flask():
    code = "import sys, points; assert 'flask' not in sys.modules and 'engage' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
