"""Moving points: post, transfer, reverse. The only code that writes postings.

Every write first locks the ledger head (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite ``BEGIN IMMEDIATE`` already serialises writers). That orders the hash chain,
makes an idempotency-key check race-free, and gives every account update one lock
order, so writers can never deadlock each other. Balances change through
conditional UPDATEs that refuse to overdraw in the database itself.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from points.base import utcnow
from points.errors import (AlreadyReversed, IdempotencyMismatch, InsufficientPoints,
                           InvalidAmount, UnbalancedTransaction)
from points.models import Account, LedgerHead, Posting, Transaction

GENESIS_HASH = "0" * 64
NEGATIVE_ALLOWED_SUFFIX = ":issuance"


def may_go_negative(address: str) -> bool:
    """Only issuance accounts, where points come into existence, may go below zero."""
    return address.endswith(NEGATIVE_ALLOWED_SUFFIX)


@dataclass(frozen=True)
class Balance:
    total: int
    pending: int

    @property
    def available(self) -> int:
        return self.total - self.pending


def account(session: Session, address: str) -> Account:
    """The account at this address, created on first use."""
    found = session.scalar(select(Account).where(Account.address == address))
    if found is None:
        # Writers hold the ledger head lock here, so no one else creates it meanwhile.
        session.add(found := Account(address=address, may_go_negative=may_go_negative(address)))
        session.flush()
    return found


def balance(session: Session, address: str) -> Balance:
    """Read from the materialized balance: constant time however long the history."""
    row = session.execute(select(Account.balance, Account.pending)
                          .where(Account.address == address)).first()
    return Balance(row.balance, row.pending) if row else Balance(0, 0)


def lock_head(session: Session) -> LedgerHead:
    head = session.scalar(select(LedgerHead).where(LedgerHead.id == 1).with_for_update())
    if head is None:
        session.add(head := LedgerHead(id=1, last_hash=GENESIS_HASH))
        session.flush()
    return head


def fingerprint(kind: str, postings: list[tuple[str, int]], memo: str, reference: str | None) -> str:
    content = json.dumps([kind, sorted(postings), memo, reference], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def chain_hash(prev_hash: str, kind: str, memo: str, reference: str | None,
               created_at: datetime, postings: list[tuple[str, int]]) -> str:
    """Each transaction's hash covers its content and its predecessor's hash."""
    content = json.dumps([prev_hash, kind, memo, reference, created_at.isoformat(),
                          sorted(postings)], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def _replay(session: Session, key: str, print_: str) -> Transaction | None:
    existing = session.scalar(select(Transaction).where(Transaction.idempotency_key == key))
    if existing is not None and existing.fingerprint != print_:
        raise IdempotencyMismatch(f"idempotency key {key!r} was used for different content")
    return existing


def _check(postings: list[tuple[str, int]]) -> None:
    if len(postings) < 2 or sum(amount for _, amount in postings) != 0:
        raise UnbalancedTransaction("a transaction needs two or more postings that sum to zero")
    if any(isinstance(a, bool) or not isinstance(a, int) or a == 0 for _, a in postings):
        raise InvalidAmount("posting amounts are non-zero integers")


def _apply(session: Session, acct: Account, amount: int) -> int:
    """Change one balance unless that would overdraw it; returns the new balance."""
    stmt = (update(Account).where(Account.id == acct.id)
            .values(balance=Account.balance + amount).returning(Account.balance))
    if amount < 0:
        stmt = stmt.where(Account.may_go_negative | (Account.balance - Account.pending + amount >= 0))
    new_balance = session.execute(stmt.execution_options(synchronize_session=False)).scalar()
    if new_balance is None:
        raise InsufficientPoints(f"{acct.address} has too few points for {-amount}")
    return new_balance


def post(session: Session, postings: list[tuple[str, int]], *, kind: str, memo: str = "",
         reference: str | None = None, actor_id: int | None = None,
         idempotency_key: str | None = None, reverses_id: int | None = None) -> Transaction:
    """Write one balanced transaction (flushes, never commits)."""
    _check(postings)
    head = lock_head(session)
    print_ = fingerprint(kind, postings, memo, reference)
    if idempotency_key and (existing := _replay(session, idempotency_key, print_)):
        return existing
    now = utcnow()
    tx = Transaction(kind=kind, memo=memo, reference=reference, actor_id=actor_id, created_at=now,
                     idempotency_key=idempotency_key, fingerprint=print_, reverses_id=reverses_id,
                     prev_hash=head.last_hash,
                     hash=chain_hash(head.last_hash, kind, memo, reference, now, postings))
    session.add(tx)
    session.flush()
    accounts = {address: account(session, address) for address, _ in postings}
    rows = []
    for address, amount in sorted(postings, key=lambda p: accounts[p[0]].id):
        balance_after = _apply(session, accounts[address], amount)
        rows.append({"transaction_id": tx.id, "account_id": accounts[address].id,
                     "amount": amount, "balance_after": balance_after})
    session.execute(insert(Posting), rows)
    head.last_hash = tx.hash
    session.flush()
    session.expire(tx, ["postings"])
    return tx


def transfer(session: Session, source: str, destination: str, amount: int, **kwargs) -> Transaction:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount("a transfer moves a positive integer number of points")
    return post(session, [(source, -amount), (destination, amount)], **kwargs)


def reverse(session: Session, tx: Transaction, *, actor_id: int | None = None, memo: str = "",
            idempotency_key: str | None = None) -> Transaction:
    """Correct a transaction by writing its opposite; the original is never touched."""
    if session.scalar(select(Transaction.id).where(Transaction.reverses_id == tx.id)):
        raise AlreadyReversed(f"transaction {tx.id} is already reversed")
    opposite = [(p.account.address, -p.amount) for p in tx.postings]
    return post(session, opposite, kind="reversal", memo=memo or f"reversal of {tx.id}",
                reference=f"ledger_tx:{tx.id}", actor_id=actor_id,
                idempotency_key=idempotency_key, reverses_id=tx.id)
