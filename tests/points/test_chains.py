"""Per-account chains and seals (issue 22): no global lock, and tamper evidence without one.

Each test breaks the ledger the way an attacker with database access would, behind the
ledger's back (guards off), and checks that ``verify`` names the first bad row.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text, update

import points
from points.ledger import link_hash, transaction_hash
from points.models import GENESIS_HASH, Account, Posting, Seal, SealedHead, Transaction
from tests.points.test_concurrency import run_together


def _account_id(session, address: str) -> int:
    return session.scalar(select(Account.id).where(Account.address == address))


def test_each_posting_extends_its_own_accounts_chain(sessions, fund, verified):
    fund("user:1", 10)
    fund("user:2", 10)
    with sessions() as session:
        one, two = _account_id(session, "user:1"), _account_id(session, "user:2")
        heads = dict(session.execute(select(Account.id, Account.head)).all())
        last = {
            account: session.scalar(
                select(Posting.hash).where(Posting.account_id == account).order_by(Posting.id.desc()).limit(1)
            )
            for account in (one, two)
        }
    assert heads[one] == last[one] and heads[two] == last[two] and last[one] != last[two]
    verified()


def test_a_deleted_posting_breaks_its_accounts_chain(sessions, fund, engine, guards_off):
    fund("user:1", 10)
    fund("user:1", 20)
    fund("user:1", 30)
    with engine.begin() as conn:
        middle = conn.execute(select(Posting.id).where(Posting.amount == 20)).scalar()
        conn.execute(text("DELETE FROM ledger_postings WHERE id = :id"), {"id": middle})
    with sessions() as session:
        found = points.verify(session)
    assert any(p.startswith(f"posting {middle + 2}: account") and "chain broken" in p for p in found), found


def test_an_account_rolled_back_behind_the_ledger_is_caught_by_the_seal(sessions, fund, engine, guards_off):
    """The last posting removed and the balance and head put back: the chain alone looks
    whole, but the seal taken before remembers the head that is gone."""
    fund("user:1", 10)
    fund("user:1", 20)
    with sessions() as session:
        points.seal(session)
        session.commit()
        account = _account_id(session, "user:1")
        issuance = _account_id(session, "street:1:issuance")
    with engine.begin() as conn:
        last_tx = conn.execute(select(Posting.transaction_id).order_by(Posting.id.desc()).limit(1)).scalar()
        first = conn.execute(
            select(Posting.hash).where(Posting.account_id == account).order_by(Posting.id).limit(1)
        ).scalar()
        conn.execute(text("DELETE FROM ledger_postings WHERE transaction_id = :t"), {"t": last_tx})
        conn.execute(text("DELETE FROM ledger_transactions WHERE id = :t"), {"t": last_tx})
        conn.execute(
            text("UPDATE ledger_accounts SET balance = 10, head = :h WHERE id = :a"),
            {"h": first, "a": account},
        )
        conn.execute(
            text(
                "UPDATE ledger_accounts SET balance = balance + 20, head = (SELECT hash FROM "
                "ledger_postings WHERE account_id = ledger_accounts.id ORDER BY id DESC LIMIT 1) "
                "WHERE address = 'street:1:issuance'"
            )
        )
    with sessions() as session:
        found = points.verify(session)
    # Both accounts of the dropped transaction lost the posting the seal named; the first is named.
    assert found == [f"seal 1: account {min(account, issuance)} no longer has the posting it sealed"], found


def test_a_changed_seal_is_named(sessions, fund, engine, guards_off):
    fund("user:1", 10)
    with sessions() as session:
        points.seal(session)
        session.commit()
    fund("user:1", 5)
    with sessions() as session:
        points.seal(session)
        session.commit()
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_sealed_heads SET head = :h WHERE seal_id = 1"), {"h": "f" * 64})
    with sessions() as session:
        assert points.verify(session) == ["seal 1: its account heads were changed"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_sealed_heads WHERE seal_id = 1"))
        conn.execute(text("DELETE FROM ledger_seals WHERE id = 1"))
    with sessions() as session:
        assert points.verify(session) == ["seal 2: broken seal chain"]


def test_an_account_head_moved_by_hand_is_named(sessions, fund, engine, guards_off):
    fund("user:1", 10)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_accounts SET head = :h WHERE address = 'user:1'"), {"h": "e" * 64})
        account = conn.execute(select(Account.id).where(Account.address == "user:1")).scalar()
    with sessions() as session:
        assert points.verify(session) == [f"account {account}: head does not match its last posting"]


def test_a_seal_stores_only_the_heads_that_changed(sessions, fund):
    fund("user:1", 10)
    fund("user:2", 10)
    with sessions() as session:
        first = points.seal(session)
        session.commit()
    fund("user:2", 1)
    with sessions() as session:
        second = points.seal(session)
        session.commit()
        changed = session.scalars(select(SealedHead.account_id).where(SealedHead.seal_id == second.id)).all()
        assert first.accounts == second.accounts == 3
        assert sorted(changed) == sorted(
            [_account_id(session, "user:2"), _account_id(session, "street:1:issuance")]
        )
        assert points.verify(session) == []


def test_seal_if_due_waits_for_the_interval(sessions, fund):
    from datetime import timedelta

    fund("user:1", 10)
    with sessions() as session:
        assert points.seal_if_due(session, every=timedelta(hours=1)) == 1
        assert points.seal_if_due(session, every=timedelta(hours=1)) == 0
        later = points.utcnow() + timedelta(hours=2)
        assert points.seal_if_due(session, every=timedelta(hours=1), now=later) == 1
        assert session.scalar(select(Seal.id).order_by(Seal.id.desc()).limit(1)) == 2


@pytest.mark.concurrency
def test_transfers_in_opposite_directions_never_deadlock(sessions, fund, verified):
    fund("user:1", 1000)
    fund("user:2", 1000)

    def swap(i):
        source, destination = ("user:1", "user:2") if i % 2 else ("user:2", "user:1")
        with sessions() as session:
            for _ in range(5):
                points.transfer(session, source, destination, 1, kind="gift")
                session.commit()
        return "ok"

    assert run_together(swap) == ["ok"] * 20
    with sessions() as session:
        assert points.balance(session, "user:1").total + points.balance(session, "user:2").total == 2000
    verified()


@pytest.mark.concurrency
def test_a_transfer_waits_only_for_the_accounts_it_touches(sessions, fund, engine):
    """An open transaction that moved user:1's points holds user:1 alone: on PostgreSQL a
    transfer between two other accounts commits meanwhile, and one that touches user:1
    waits until it ends. SQLite has one writer at a time, so there both wait."""
    fund("user:1", 10)
    fund("user:3", 10)
    holder = sessions()
    points.transfer(holder, "user:1", "user:2", 5, kind="gift")
    outcome = {}

    def other(name, source):
        with sessions() as session:
            points.transfer(session, source, "user:4", 1, kind="gift")
            session.commit()
        outcome[name] = True

    threads = [
        threading.Thread(target=other, args=("elsewhere", "user:3")),
        threading.Thread(target=other, args=("same account", "user:1")),
    ]
    for thread in threads:
        thread.start()
    threads[0].join(timeout=5)
    if engine.dialect.name == "postgresql":
        assert outcome == {"elsewhere": True}
    else:
        assert outcome == {}
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome == {"elsewhere": True, "same account": True}


def test_two_postings_swapped_break_the_chain(sessions, fund, engine, guards_off):
    """Reordering history: the first two postings of an account trade places."""
    fund("user:1", 10)
    fund("user:1", 20)
    with engine.begin() as conn:
        account = conn.execute(select(Account.id).where(Account.address == "user:1")).scalar()
        first, second = conn.execute(
            select(Posting.id, Posting.transaction_id, Posting.amount, Posting.balance_after, Posting.hash)
            .where(Posting.account_id == account)
            .order_by(Posting.id)
        ).all()
        for row, other in ((first, second), (second, first)):
            conn.execute(
                text(
                    "UPDATE ledger_postings SET transaction_id = :t, amount = :a, "
                    "balance_after = :b, hash = :h WHERE id = :id"
                ),
                {"t": other[1], "a": other[2], "b": other[3], "h": other[4], "id": row[0]},
            )
    with sessions() as session:
        found = points.verify(session)
    assert f"posting {first[0]}: account {account}'s chain broken" in found, found


def test_a_whole_transaction_deleted_breaks_the_chain_of_each_account_it_touched(
    sessions, fund, engine, guards_off
):
    fund("user:1", 10)
    fund("user:1", 20)
    fund("user:1", 30)
    with engine.begin() as conn:
        middle = conn.execute(select(Posting.transaction_id).where(Posting.amount == 20)).scalar()
        conn.execute(text("DELETE FROM ledger_postings WHERE transaction_id = :t"), {"t": middle})
        conn.execute(text("DELETE FROM ledger_transactions WHERE id = :t"), {"t": middle})
        # Postings run in account order: the first account's next posting is the first bad row.
        first_bad = conn.execute(
            select(Posting.id, Posting.account_id)
            .where(Posting.transaction_id > middle)
            .order_by(Posting.account_id)
        ).first()
    with sessions() as session:
        found = points.verify(session)
    assert f"posting {first_bad.id}: account {first_bad.account_id}'s chain broken" in found, found


def _rechain(conn) -> None:
    """What an attacker who knows the hashing does after editing history: every transaction's
    hash, running balance, chain link, balance and head recomputed to fit, so that only a
    seal taken before can tell."""
    legs: dict[int, list[tuple[str, int]]] = {}
    for tx_id, address, amount in conn.execute(
        select(Posting.transaction_id, Account.address, Posting.amount).join(Account)
    ):
        legs.setdefault(tx_id, []).append((address, amount))
    tx_hashes = {}
    for tx in conn.execute(select(Transaction).order_by(Transaction.id)):
        tx_hashes[tx.id] = transaction_hash(tx.kind, tx.memo, tx.reference, tx.created_at, legs[tx.id])
        conn.execute(update(Transaction).where(Transaction.id == tx.id).values(hash=tx_hashes[tx.id]))
    for account in conn.scalars(select(Account.id)).all():
        balance, head = 0, GENESIS_HASH
        for posting in conn.execute(
            select(Posting).where(Posting.account_id == account).order_by(Posting.id)
        ):
            balance += posting.amount
            head = link_hash(
                head, posting.transaction_id, tx_hashes[posting.transaction_id], posting.amount, balance
            )
            conn.execute(
                update(Posting).where(Posting.id == posting.id).values(balance_after=balance, hash=head)
            )
        conn.execute(update(Account).where(Account.id == account).values(balance=balance, head=head))


def _sealed_history(sessions, fund) -> tuple[int, int]:
    """user:1 funded 10, 20 and 30 from street:1:issuance, then sealed: both account ids."""
    for amount in (10, 20, 30):
        fund("user:1", amount)
    with sessions() as session:
        points.seal(session)
        session.commit()
        return _account_id(session, "user:1"), _account_id(session, "street:1:issuance")


def _only_the_seal_objects(sessions, accounts: tuple[int, int]) -> None:
    with sessions() as session:
        found = points.verify(session)
    assert found == [f"seal 1: account {min(accounts)} no longer has the posting it sealed"], found


def test_a_sealed_posting_rewritten_and_rehashed_is_caught_by_the_seal(sessions, fund, engine, guards_off):
    accounts = _sealed_history(sessions, fund)
    with engine.begin() as conn:
        conn.execute(update(Posting).where(Posting.amount == 20).values(amount=25))
        conn.execute(update(Posting).where(Posting.amount == -20).values(amount=-25))
        _rechain(conn)
    _only_the_seal_objects(sessions, accounts)


def test_a_sealed_transaction_deleted_and_the_rest_rehashed_is_caught_by_the_seal(
    sessions, fund, engine, guards_off
):
    accounts = _sealed_history(sessions, fund)
    with engine.begin() as conn:
        middle = conn.execute(select(Posting.transaction_id).where(Posting.amount == 20)).scalar()
        conn.execute(text("DELETE FROM ledger_postings WHERE transaction_id = :t"), {"t": middle})
        conn.execute(text("DELETE FROM ledger_transactions WHERE id = :t"), {"t": middle})
        _rechain(conn)
    _only_the_seal_objects(sessions, accounts)


def test_sealed_postings_reordered_and_rehashed_are_caught_by_the_seal(sessions, fund, engine, guards_off):
    """The 10 and the 30 trade transactions on both sides: every sum still holds."""
    accounts = _sealed_history(sessions, fund)
    with engine.begin() as conn:
        for old, new in ((10, 999), (30, 10), (999, 30)):
            conn.execute(update(Posting).where(Posting.amount == old).values(amount=new))
            conn.execute(update(Posting).where(Posting.amount == -old).values(amount=-new))
        _rechain(conn)
    _only_the_seal_objects(sessions, accounts)


@pytest.mark.concurrency
def test_a_seal_in_progress_holds_no_writer_up(sessions, fund, engine):
    """A seal writes a row per changed account head, and on PostgreSQL each row's foreign
    key takes FOR KEY SHARE on its account until the seal commits: a posting's lock must
    not conflict with it (FOR NO KEY UPDATE does not; FOR UPDATE does, and then a seal and
    the writers it holds up can deadlock). SQLite has one writer at a time: there it waits."""
    fund("user:1", 10)
    sealing = sessions()
    points.seal(sealing)  # flushed, not committed
    done = threading.Event()

    def transfer() -> None:
        with sessions() as session:
            points.transfer(session, "user:1", "user:2", 1, kind="gift")
            session.commit()
        done.set()

    writer = threading.Thread(target=transfer)
    writer.start()
    committed_meanwhile = done.wait(timeout=5)
    sealing.commit()
    sealing.close()
    writer.join(timeout=30)
    assert committed_meanwhile == (engine.dialect.name == "postgresql")
