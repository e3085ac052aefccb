"""Checking the whole ledger, as ``flask engage points verify`` does.

It recomputes everything the materialized state claims: that every transaction
balances, every balance equals its postings, no protected account is overdrawn,
``balance_after`` runs correctly, holds add up to ``pending``, every transaction
matches its hash, every account's chain is unbroken and ends at its head, and every
seal still holds. Each problem names the first bad row it found.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points.ledger import link_hash, transaction_hash
from points.models import GENESIS_HASH, Account, Hold, Posting, SealedHead, Transaction
from points.seals import history, root_of, seal_hash


def verify(session: Session) -> list[str]:
    return [
        *_transactions_balance(session),
        *_balances_match(session),
        *_running_balances(session),
        *_pending_matches(session),
        *_transaction_hashes(session),
        *_account_chains(session),
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


def _transaction_hashes(session: Session) -> list[str]:
    postings = defaultdict(list)
    for tx_id, address, amount in session.execute(
        select(Posting.transaction_id, Account.address, Posting.amount).join(
            Account, Posting.account_id == Account.id
        )
    ):
        postings[tx_id].append((address, amount))
    for tx_id, kind, memo, reference, created_at, hash_ in session.execute(
        select(
            Transaction.id,
            Transaction.kind,
            Transaction.memo,
            Transaction.reference,
            Transaction.created_at,
            Transaction.hash,
        ).order_by(Transaction.id)
    ):
        if hash_ != transaction_hash(kind, memo, reference, created_at, postings[tx_id]):
            return [f"transaction {tx_id}: content does not match its hash"]
    return []


def _account_chains(session: Session) -> list[str]:
    """Walk every account's chain; then check the seals against the heads it passed."""
    sealed = set(session.execute(select(SealedHead.account_id, SealedHead.head)).all())
    passed = set()
    heads = dict(session.execute(select(Account.id, Account.head)).all())
    rows = session.execute(
        select(
            Posting.account_id,
            Posting.id,
            Posting.transaction_id,
            Transaction.hash,
            Posting.amount,
            Posting.balance_after,
            Posting.hash,
        )
        .join(Transaction, Posting.transaction_id == Transaction.id)
        .order_by(Posting.account_id, Posting.id)
    )
    ends = {}
    for account, postings in groupby(rows, key=lambda r: r[0]):
        prev = GENESIS_HASH
        for _, posting_id, tx_id, tx_hash, amount, after, hash_ in postings:
            if hash_ != link_hash(prev, tx_id, tx_hash, amount, after):
                return [f"posting {posting_id}: account {account}'s chain broken"]
            if (account, hash_) in sealed:
                passed.add((account, hash_))
            prev = hash_
        ends[account] = prev
    for account, head in heads.items():
        if head != ends.get(account, GENESIS_HASH):
            return [f"account {account}: head does not match its last posting"]
    return _seals(session, sealed - passed)


def _seals(session: Session, missing: set[tuple[int, str]]) -> list[str]:
    prev = GENESIS_HASH
    for seal, heads in history(session):
        if seal.prev_hash != prev or seal.hash != seal_hash(
            prev, seal.accounts, seal.root, seal.legacy_hash, seal.created_at
        ):
            return [f"seal {seal.id}: broken seal chain"]
        if root_of(heads) != seal.root or len(heads) != seal.accounts:
            return [f"seal {seal.id}: its account heads were changed"]
        if gone := sorted(account for account, head in heads.items() if (account, head) in missing):
            return [f"seal {seal.id}: account {gone[0]} no longer has the posting it sealed"]
        prev = seal.hash
    return []
