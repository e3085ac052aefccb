"""Moving points: post, transfer, reverse. The only code that writes postings.

A posting locks only the accounts it touches, all at once and in the order of their
ids, so two transfers in opposite directions cannot deadlock and transfers between
other accounts never wait for it (on SQLite ``BEGIN IMMEDIATE`` serialises writers
anyway). Under that lock it reads each account's balance and chain head, refuses an
overdraft, and writes the transaction, the new balances and heads (one conditional
UPDATE, which refuses to overdraw in the database as well) and the postings, each
carrying the hash that extends its account's chain. An idempotency key is claimed by
the transaction's unique key, so a retry racing the first attempt returns its result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, String, bindparam, case, insert, inspect, select, update
from sqlalchemy.orm import Session

from points.base import utcnow
from points.errors import (
    AlreadyReversed,
    IdempotencyMismatch,
    InsufficientPoints,
    InvalidAmount,
    RepeatedAccount,
    UnbalancedTransaction,
)
from points.inserts import dialect_insert, insert_unless_taken
from points.models import Account, Posting, Transaction

_ACCOUNTS = inspect(Account)
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


@dataclass(frozen=True)
class Locked:
    """An account as read under its row lock."""

    id: int
    address: str
    balance: int
    pending: int
    may_go_negative: bool
    head: str

    def can_spend(self, amount: int) -> bool:
        return self.may_go_negative or self.balance - self.pending >= amount


def balance(session: Session, address: str) -> Balance:
    """Read from the materialized balance: constant time however long the history."""
    row = session.execute(select(Account.balance, Account.pending).where(Account.address == address)).first()
    return Balance(row.balance, row.pending) if row else Balance(0, 0)


def lock_accounts(session: Session, addresses: Iterable[str]) -> dict[str, Locked]:
    """Lock these accounts in the order of their ids, opening the missing ones (with
    nothing in them), and read them: ``{address: Locked}``."""
    addresses = list(addresses)
    connection = session.connection()
    locked = _read_locked(connection.execute(_LOCK_BY_ADDRESS, {"addresses": addresses}))
    if missing := [a for a in addresses if a not in locked]:
        open_accounts(session, missing)
        locked = _read_locked(connection.execute(_LOCK_BY_ADDRESS, {"addresses": addresses}))
    return locked


def open_accounts(session: Session, addresses: Iterable[str]) -> None:
    """Create the accounts that do not exist yet, without locking those that do."""
    session.execute(
        dialect_insert(session.get_bind().dialect.name, Account).on_conflict_do_nothing(
            index_elements=["address"]
        ),
        [{"address": a, "may_go_negative": may_go_negative(a), "created_at": utcnow()} for a in addresses],
    )


def _locking(which):
    table = Account.__table__
    columns = ("id", "address", "balance", "pending", "may_go_negative", "head")
    # FOR NO KEY UPDATE (key_share): the rows' keys do not change, so the key-share locks
    # that foreign-key checks take (a seal's heads, a posting's account) are not waited for.
    locking = select(*(table.c[name] for name in columns)).where(which).order_by(table.c.id)
    return locking.with_for_update(key_share=True)


def _read_locked(rows) -> dict[str, Locked]:
    return {row.address: Locked(*row) for row in rows}


def lock_where(session: Session, which) -> dict[str, Locked]:
    """Lock the accounts matching ``which`` in the order of their ids, and read them."""
    return _read_locked(session.connection().execute(_locking(which)))


# What every posting runs is built once, with bound parameters, and runs on the session's
# Connection (in its transaction): building a statement, or the ORM's handling of one that
# loads no ORM objects, costs more than the database takes to run it.
_LOCK_BY_ADDRESS = _locking(Account.__table__.c.address.in_(bindparam("addresses", expanding=True)))
_BY_KEY = select(Transaction).where(Transaction.idempotency_key == bindparam("key"))
# With RETURNING, SQLAlchemy sends a transaction's postings as one INSERT … VALUES (…), (…)
# ("insertmanyvalues"), compiled once: one round trip, where a driver's executemany may
# take several (psycopg's takes three). What it returns is not needed.
_INSERT_POSTINGS = insert(Posting.__table__).returning(Posting.__table__.c.id)


@cache
def _change_balances_statement(legs: int):
    """Move ``legs`` balances and heads by one conditional UPDATE (``id0``, ``amount0``,
    ``head0`` …); an account it passes over would have been overdrawn."""
    accounts = Account.__table__.c
    ids = [bindparam(f"id{n}", type_=Integer) for n in range(legs)]
    amount = case(*[(accounts.id == ids[n], bindparam(f"amount{n}", type_=Integer)) for n in range(legs)])
    head = case(*[(accounts.id == ids[n], bindparam(f"head{n}", type_=String)) for n in range(legs)])
    return (
        update(Account.__table__)
        .where(
            accounts.id.in_(ids),
            (amount > 0) | accounts.may_go_negative | (accounts.balance - accounts.pending + amount >= 0),
        )
        .values(balance=accounts.balance + amount, head=head)
        .returning(accounts.id)
    )


def fingerprint(kind: str, postings: list[tuple[str, int]], memo: str, reference: str | None) -> str:
    """What an idempotency key promises: the same key always means this content."""
    content = json.dumps([kind, sorted(postings), memo, reference], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def transaction_hash(
    kind: str, memo: str, reference: str | None, created_at: datetime, postings: list[tuple[str, int]]
) -> str:
    """A transaction's content, as its postings' chain links cover it."""
    content = json.dumps(
        [kind, memo, reference, created_at.isoformat(), sorted(postings)], ensure_ascii=False
    )
    return hashlib.sha256(content.encode()).hexdigest()


def link_hash(prev: str, transaction_id: int, tx_hash: str, amount: int, balance_after: int) -> str:
    """A posting's place in its account's chain: the previous posting's hash and its own content."""
    return hashlib.sha256(f"{prev}|{transaction_id}|{tx_hash}|{amount}|{balance_after}".encode()).hexdigest()


def _replay(session: Session, key: str, print_: str) -> Transaction | None:
    existing = session.scalar(_BY_KEY, {"key": key})
    if existing is not None and existing.fingerprint != print_:
        raise IdempotencyMismatch(f"idempotency key {key!r} was used for different content")
    return existing


def _check(postings: list[tuple[str, int]]) -> None:
    if len(postings) < 2 or sum(amount for _, amount in postings) != 0:
        raise UnbalancedTransaction("a transaction needs two or more postings that sum to zero")
    if len({address for address, _ in postings}) != len(postings):
        raise RepeatedAccount("a transaction names each account once")
    if any(isinstance(a, bool) or not isinstance(a, int) or a == 0 for _, a in postings):
        raise InvalidAmount("posting amounts are non-zero integers")


def post(
    session: Session,
    postings: list[tuple[str, int]],
    *,
    kind: str,
    memo: str = "",
    reference: str | None = None,
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    reverses_id: int | None = None,
) -> Transaction:
    """Write one balanced transaction (flushes, never commits).

    Nothing is written before the overdraft check, so a refusal leaves the caller's
    transaction as it was."""
    _check(postings)
    print_ = fingerprint(kind, postings, memo, reference)
    if idempotency_key and (existing := _replay(session, idempotency_key, print_)):
        return existing
    now = utcnow()
    values = dict(
        kind=kind,
        memo=memo,
        reference=reference,
        actor_id=actor_id,
        created_at=now,
        idempotency_key=idempotency_key,
        fingerprint=print_,
        reverses_id=reverses_id,
        hash=transaction_hash(kind, memo, reference, now, postings),
    )
    session.flush()  # the statements below must see the session's pending changes
    accounts = lock_accounts(session, [address for address, _ in postings])
    for address, amount in postings:
        if amount < 0 and not accounts[address].can_spend(-amount):
            raise InsufficientPoints(f"{address} has too few points for {-amount}")
    tx = insert_unless_taken(session, Transaction, values, "idempotency_key")
    if tx is None:  # a retry with the same key committed first
        return _replay(session, idempotency_key, print_)
    rows = []
    for address, amount in postings:
        account = accounts[address]
        after = account.balance + amount
        link = link_hash(account.head, tx.id, tx.hash, amount, after)
        rows.append(
            dict(transaction_id=tx.id, account_id=account.id, amount=amount, balance_after=after, hash=link)
        )
    _change_balances(session, rows, accounts, postings)
    session.connection().execute(_INSERT_POSTINGS, rows)
    return tx


def _change_balances(
    session: Session, rows: list[dict], accounts: dict[str, Locked], postings: list[tuple[str, int]]
) -> None:
    """One conditional UPDATE moves every balance and head; an account it passes over would
    have been overdrawn (the lock makes that impossible here, the database checks anyway)."""
    params = {}
    for n, row in enumerate(rows):
        params.update({f"id{n}": row["account_id"], f"amount{n}": row["amount"], f"head{n}": row["hash"]})
    changed = set(session.connection().scalars(_change_balances_statement(len(rows)), params))
    for address, amount_ in postings:
        if accounts[address].id not in changed:
            raise InsufficientPoints(f"{address} has too few points for {-amount_}")
    _forget_accounts(session, changed)


def _forget_accounts(session: Session, account_ids_: Iterable[int]) -> None:
    """Balances changed behind the ORM's back: loaded accounts must be read again."""
    loaded = session.identity_map
    for account_id in account_ids_:
        if (account := loaded.get(_ACCOUNTS.identity_key_from_primary_key((account_id,)))) is not None:
            session.expire(account)


def transfer(session: Session, source: str, destination: str, amount: int, **kwargs) -> Transaction:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount("a transfer moves a positive integer number of points")
    return post(session, [(source, -amount), (destination, amount)], **kwargs)


def reverse(
    session: Session,
    tx: Transaction,
    *,
    actor_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
) -> Transaction:
    """Correct a transaction by writing its opposite; the original is never touched.
    A retry with the first call's idempotency key returns the first reversal."""
    opposite = [(p.account.address, -p.amount) for p in tx.postings]
    memo = memo or f"reversal of {tx.id}"
    reference = f"ledger_tx:{tx.id}"
    if idempotency_key and (
        existing := _replay(session, idempotency_key, fingerprint("reversal", opposite, memo, reference))
    ):
        return existing
    if session.scalar(select(Transaction.id).where(Transaction.reverses_id == tx.id)):
        raise AlreadyReversed(f"transaction {tx.id} is already reversed")
    return post(
        session,
        opposite,
        kind="reversal",
        memo=memo,
        reference=reference,
        actor_id=actor_id,
        idempotency_key=idempotency_key,
        reverses_id=tx.id,
    )
