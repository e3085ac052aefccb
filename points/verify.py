"""Checking the whole ledger, as ``flask engage points verify`` does.

It recomputes everything the materialized state claims: that every transaction
balances, every balance equals its postings, no protected account is overdrawn,
``balance_after`` runs correctly, holds add up to ``pending``, and the hash chain
is unbroken. Each problem names the first bad row it found.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points.ledger import GENESIS_HASH, chain_hash
from points.models import Account, Hold, LedgerHead, Posting, Transaction


def verify(session: Session) -> list[str]:
    return [
        *_transactions_balance(session),
        *_balances_match(session),
        *_running_balances(session),
        *_pending_matches(session),
        *_hash_chain(session),
    ]


def _transactions_balance(session: Session) -> list[str]:
    bad = session.execute(
        select(Posting.transaction_id, func.sum(Posting.amount), func.count())
        .group_by(Posting.transaction_id)
        .having((func.sum(Posting.amount) != 0) | (func.count() < 2))
        .order_by(Posting.transaction_id)
        .limit(1)
    ).first()
    empty = session.scalar(
        select(Transaction.id).where(~Transaction.postings.any()).order_by(Transaction.id).limit(1)
    )
    problems = []
    if bad:
        problems.append(f"transaction {bad[0]}: postings sum to {bad[1]} over {bad[2]} rows")
    if empty:
        problems.append(f"transaction {empty}: has no postings")
    return problems


def _balances_match(session: Session) -> list[str]:
    sums = (
        select(Posting.account_id, func.sum(Posting.amount).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Account.id,
            Account.address,
            Account.balance,
            Account.pending,
            Account.may_go_negative,
            func.coalesce(sums.c.total, 0),
        )
        .outerjoin(sums, sums.c.account_id == Account.id)
        .order_by(Account.id)
    )
    mismatch = overdrawn = None
    for acct_id, address, bal, pending, negative_ok, total in rows:
        if bal != total and mismatch is None:
            mismatch = f"account {acct_id} ({address}): balance {bal} but postings sum to {total}"
        if not negative_ok and bal - pending < 0 and overdrawn is None:
            overdrawn = f"account {acct_id} ({address}): overdrawn ({bal} - {pending} pending)"
    return [p for p in (mismatch, overdrawn) if p]


def _running_balances(session: Session) -> list[str]:
    rows = session.execute(
        select(Posting.account_id, Posting.id, Posting.amount, Posting.balance_after).order_by(
            Posting.account_id, Posting.id
        )
    )
    for _account, postings in groupby(rows, key=lambda r: r[0]):
        running = 0
        for _, posting_id, amount, after in postings:
            running += amount
            if after != running:
                return [f"posting {posting_id}: balance_after {after}, expected {running}"]
    return []


def _pending_matches(session: Session) -> list[str]:
    held = defaultdict(
        int,
        session.execute(
            select(Hold.source_id, func.sum(Hold.amount))
            .where(Hold.status == "pending")
            .group_by(Hold.source_id)
        ).all(),
    )
    for acct_id, address, pending in session.execute(select(Account.id, Account.address, Account.pending)):
        if pending != held[acct_id]:
            return [f"account {acct_id} ({address}): pending {pending} but holds total {held[acct_id]}"]
    return []


def _hash_chain(session: Session) -> list[str]:
    prev = GENESIS_HASH
    txs = session.execute(
        select(
            Transaction.id,
            Transaction.kind,
            Transaction.memo,
            Transaction.reference,
            Transaction.created_at,
            Transaction.prev_hash,
            Transaction.hash,
        ).order_by(Transaction.id)
    ).all()
    postings = defaultdict(list)
    for tx_id, address, amount in session.execute(
        select(Posting.transaction_id, Account.address, Posting.amount).join(
            Account, Posting.account_id == Account.id
        )
    ):
        postings[tx_id].append((address, amount))
    for tx_id, kind, memo, reference, created_at, prev_hash, hash_ in txs:
        expected = chain_hash(prev, kind, memo, reference, created_at, postings[tx_id])
        if prev_hash != prev or hash_ != expected:
            return [f"transaction {tx_id}: hash chain broken"]
        prev = hash_
    head = session.scalar(select(LedgerHead.last_hash).where(LedgerHead.id == 1))
    if head is not None and head != prev:
        return ["ledger head does not match the last transaction's hash"]
    return []
