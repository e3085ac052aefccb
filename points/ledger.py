"""Moving points: post, transfer, reverse. The only code that writes postings.

Every write first locks the ledger head (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite ``BEGIN IMMEDIATE`` already serialises writers), whose hash the database moves
to each new transaction's (points.schema). That orders the hash chain,
makes an idempotency-key check race-free, and lets one writer at a time touch
balances, so writers can never deadlock each other over account rows. Balances
change through one conditional UPDATE that refuses to overdraw in the database itself
and finds the accounts by address as it goes, since everything said between taking
the head lock and committing holds every other writer up.

A posting is four statements through the session: lock the head, insert the
transaction (RETURNING it, loaded as an ORM object), the one UPDATE of the balances
(RETURNING them) and one INSERT of the postings. They are built once, with bound
parameters, so SQLAlchemy compiles each once per dialect and afterwards only binds
values (bench/ledger.py measures them against the raw driver sending the same SQL).
The balance UPDATE and the postings INSERT are Core statements on the tables: loaded
``Account`` objects they change are expired, never left stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Select, String, Update, bindparam, case, insert, inspect, or_, select, update
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
from points.models import Account, LedgerHead, Posting, Transaction

GENESIS_HASH = "0" * 64
_ACCOUNTS = inspect(Account)
NEGATIVE_ALLOWED_SUFFIX = ":issuance"
_accounts, _head = Account.__table__, LedgerHead.__table__


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


_FIND_ACCOUNTS = select(_accounts.c.address, _accounts.c.id).where(
    _accounts.c.address.in_(bindparam("addresses", expanding=True))
)
_OPEN_ACCOUNT = insert(_accounts).returning(_accounts.c.id)


def account_ids(session: Session, addresses: list[str]) -> dict[str, int]:
    """Ids of these accounts, creating the missing ones.

    Writers hold the ledger head lock when they call this, so no one else creates
    the same account meanwhile.
    """
    ids = dict(session.execute(_FIND_ACCOUNTS, {"addresses": list(addresses)}).all())
    for address in dict.fromkeys(addresses):
        if address not in ids:
            ids[address] = session.execute(
                _OPEN_ACCOUNT, {"address": address, "may_go_negative": may_go_negative(address)}
            ).scalar_one()
    return ids


def balance(session: Session, address: str) -> Balance:
    """Read from the materialized balance: constant time however long the history."""
    row = session.execute(select(Account.balance, Account.pending).where(Account.address == address)).first()
    return Balance(row.balance, row.pending) if row else Balance(0, 0)


_LOCK_HEAD = select(_head.c.last_hash).where(_head.c.id == 1).with_for_update()
_START_HEAD = insert(_head).values(id=1, last_hash=GENESIS_HASH)


def lock_head(session: Session) -> str:
    """Lock the chain head and return the newest transaction's hash (``FOR UPDATE`` is
    left out on SQLite, whose ``BEGIN IMMEDIATE`` already holds every other writer)."""
    session.flush()  # what the caller has pending is written before the lock, as part of its work
    last_hash = session.scalar(_LOCK_HEAD)
    if last_hash is None:
        session.execute(_START_HEAD)
        return GENESIS_HASH
    return last_hash


def fingerprint(kind: str, postings: list[tuple[str, int]], memo: str, reference: str | None) -> str:
    content = json.dumps([kind, sorted(postings), memo, reference], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def chain_hash(
    prev_hash: str,
    kind: str,
    memo: str,
    reference: str | None,
    created_at: datetime,
    postings: list[tuple[str, int]],
) -> str:
    """Each transaction's hash covers its content and its predecessor's hash."""
    content = json.dumps(
        [prev_hash, kind, memo, reference, created_at.isoformat(), sorted(postings)], ensure_ascii=False
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _replay(session: Session, key: str, print_: str) -> Transaction | None:
    existing = session.scalar(select(Transaction).where(Transaction.idempotency_key == key))
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


@cache
def _insert_tx() -> Select:
    """Built on first use: an ORM statement needs every mapper configured."""
    return select(Transaction).from_statement(
        insert(Transaction.__table__).returning(*Transaction.__table__.c)
    )


_INSERT_POSTINGS = insert(Posting.__table__)
# With RETURNING, SQLAlchemy sends all the postings as one INSERT … VALUES (…), (…)
# ("insertmanyvalues"): on PostgreSQL one round trip inside the head lock where psycopg's
# executemany takes three; on SQLite, where a round trip is a function call, it costs more.
_INSERT_POSTINGS_RETURNING = _INSERT_POSTINGS.returning(Posting.__table__.c.id)


@cache
def _change_balances(count: int) -> Update:
    """One UPDATE for ``count`` postings (bound as ``address_i``, ``amount_i``): each account
    found by its address, a debit refused by the database if it would overdraw."""
    addresses = [bindparam(f"address_{i}", type_=String) for i in range(count)]
    change = case(
        *(
            (_accounts.c.address == address, bindparam(f"amount_{i}", type_=Integer))
            for i, address in enumerate(addresses)
        )
    )
    return (
        update(_accounts)
        .where(
            _accounts.c.address.in_(addresses),
            or_(
                change > 0,
                _accounts.c.may_go_negative,
                _accounts.c.balance - _accounts.c.pending + change >= 0,
            ),
        )
        .values(balance=_accounts.c.balance + change)
        .returning(_accounts.c.address, _accounts.c.id, _accounts.c.balance)
    )


def _write(session: Session, values: dict, postings: list[tuple[str, int]]) -> tuple[Transaction, list[int]]:
    """Insert the transaction, change every posting's balance in one UPDATE and write the
    postings in one INSERT; returns the transaction and the accounts' ids.

    A posting the UPDATE passed over — an account not opened yet, or a refusal — is tried
    on its own, which opens the account or raises ``InsufficientPoints``."""
    tx = session.scalars(_insert_tx(), values).one()
    changed = {
        address: (account_id, after)
        for address, account_id, after in session.execute(
            _change_balances(len(postings)),
            {
                key: value
                for i, (address, amount) in enumerate(postings)
                for key, value in ((f"address_{i}", address), (f"amount_{i}", amount))
            },
        )
    }
    for address, amount in postings:
        if address not in changed:
            changed[address] = _apply(session, address, amount)
    session.execute(
        _INSERT_POSTINGS if session.get_bind().dialect.name == "sqlite" else _INSERT_POSTINGS_RETURNING,
        [
            {
                "transaction_id": tx.id,
                "account_id": changed[address][0],
                "amount": amount,
                "balance_after": changed[address][1],
            }
            for address, amount in postings
        ],
    )
    return tx, [changed[address][0] for address, _ in postings]


def _apply(session: Session, address: str, amount: int) -> tuple[int, int]:
    """A posting the one UPDATE passed over: open its account if it is new (with nothing in
    it), then change the balance unless that would overdraw it."""
    account_id = account_ids(session, [address])[address]
    guard = [or_(_accounts.c.may_go_negative, _accounts.c.balance - _accounts.c.pending + amount >= 0)]
    row = session.execute(
        update(_accounts)
        .where(_accounts.c.id == account_id, *(guard if amount < 0 else ()))
        .values(balance=_accounts.c.balance + amount)
        .returning(_accounts.c.id, _accounts.c.balance)
    ).first()
    if row is None:
        raise InsufficientPoints(f"{address} has too few points for {-amount}")
    return tuple(row)


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
    """Write one balanced transaction (flushes, never commits)."""
    _check(postings)
    prev_hash = lock_head(session)
    print_ = fingerprint(kind, postings, memo, reference)
    if idempotency_key and (existing := _replay(session, idempotency_key, print_)):
        return existing
    now = utcnow()
    tx, accounts = _write(
        session,
        {
            "kind": kind,
            "memo": memo,
            "reference": reference,
            "actor_id": actor_id,
            "created_at": now,
            "idempotency_key": idempotency_key,
            "fingerprint": print_,
            "reverses_id": reverses_id,
            "prev_hash": prev_hash,
            "hash": chain_hash(prev_hash, kind, memo, reference, now, postings),
        },
        postings,
    )
    _forget_accounts(session, accounts)
    return tx


def _forget_accounts(session: Session, account_ids_: Iterable[int]) -> None:
    """Balances changed by a Core UPDATE: loaded accounts must be read again."""
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

    A retry with the reversal's idempotency key returns the first reversal (as ``post``
    does), rather than refusing it as already reversed."""
    opposite = [(p.account.address, -p.amount) for p in tx.postings]
    memo, reference = memo or f"reversal of {tx.id}", f"ledger_tx:{tx.id}"
    if idempotency_key and (
        earlier := _replay(session, idempotency_key, fingerprint("reversal", opposite, memo, reference))
    ):
        return earlier
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
