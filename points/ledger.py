"""Moving points: post, transfer, reverse. The only code that writes postings.

Every write first locks the ledger head (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite ``BEGIN IMMEDIATE`` already serialises writers), whose hash the database moves
to each new transaction's (points.schema). That orders the hash chain,
makes an idempotency-key check race-free, and lets one writer at a time touch
balances, so writers can never deadlock each other over account rows. Balances
change through one conditional UPDATE that refuses to overdraw in the database itself
and finds the accounts by address as it goes, since everything said between taking
the head lock and committing holds every other writer up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from points.base import utcnow
from points.errors import (
    AlreadyReversed,
    IdempotencyMismatch,
    InsufficientPoints,
    InvalidAmount,
    RepeatedAccount,
    UnbalancedTransaction,
)
from points.models import Account, Transaction

GENESIS_HASH = "0" * 64
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


def account_ids(session: Session, addresses: list[str], driver: _Driver | None = None) -> dict[str, int]:
    """Ids of these accounts, creating the missing ones.

    Writers hold the ledger head lock when they call this, so no one else creates
    the same account meanwhile.
    """
    driver = driver or _Driver(session)
    ids = {}
    for address in dict.fromkeys(addresses):
        row = driver.one("SELECT id FROM ledger_accounts WHERE address = ?", (address,))
        ids[address] = (
            row[0]
            if row
            else driver.one(
                "INSERT INTO ledger_accounts (address, may_go_negative, balance, pending, created_at) "
                "VALUES (?, ?, 0, 0, ?) RETURNING id",
                (address, may_go_negative(address), driver.timestamp(utcnow())),
            )[0]
        )
    return ids


def balance(session: Session, address: str) -> Balance:
    """Read from the materialized balance: constant time however long the history."""
    row = session.execute(select(Account.balance, Account.pending).where(Account.address == address)).first()
    return Balance(row.balance, row.pending) if row else Balance(0, 0)


class _Driver:
    """The session's own DBAPI cursor, for the statements every posting runs.

    Building SQLAlchemy statements costs more than executing them (bench/ledger.py;
    figures in bench/results/), so the hot path speaks SQL
    to the driver directly — inside the session's transaction, so a posting and
    the change it pays for still commit or roll back together.
    """

    def __init__(self, session: Session):
        connection = session.connection()
        self.dialect = connection.dialect.name
        self.cursor = connection.connection.cursor()
        self.qmark = connection.dialect.paramstyle == "qmark"

    def one(self, sql: str, params: tuple = ()):
        self.cursor.execute(self._native(sql), params)
        return self.cursor.fetchone()

    def all(self, sql: str, rows: list[tuple], *, before: tuple = ()) -> list[tuple]:
        """``sql`` with ``{values}`` standing for ``VALUES (…), (…)`` of all ``rows`` (one
        round trip, not one per row); ``before`` are the parameters that come first."""
        values = ", ".join(["(" + ", ".join("?" * len(rows[0])) + ")"] * len(rows))
        self.cursor.execute(
            self._native(sql.format(values=f"VALUES {values}")),
            [*before, *(value for row in rows for value in row)],
        )
        return self.cursor.fetchall() if self.cursor.description else []

    def _native(self, sql: str) -> str:
        return sql if self.qmark else sql.replace("?", "%s")

    def timestamp(self, moment: datetime):
        """What ``UTCDateTime`` would bind: naive UTC text on SQLite, the datetime elsewhere."""
        if self.dialect == "sqlite":
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment


def lock_head(session: Session, driver: _Driver | None = None) -> str:
    """Lock the chain head and return the newest transaction's hash."""
    driver = driver or _Driver(session)
    lock = "" if driver.dialect == "sqlite" else " FOR UPDATE"
    row = driver.one(f"SELECT last_hash FROM ledger_head WHERE id = 1{lock}")
    if row is None:
        driver.one("INSERT INTO ledger_head (id, last_hash) VALUES (1, ?) RETURNING id", (GENESIS_HASH,))
        return GENESIS_HASH
    return row[0]


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


_INSERT_TX = (
    "INSERT INTO ledger_transactions (kind, memo, reference, actor_id, created_at, idempotency_key, "
    "fingerprint, reverses_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_CHANGE_BALANCES = (
    "UPDATE ledger_accounts SET balance = balance + change.column2 FROM ({values}) AS change "
    "WHERE address = change.column1 "
    "AND (change.column2 > 0 OR may_go_negative OR balance - pending + change.column2 >= 0) "
)
_INSERT_POSTINGS = "INSERT INTO ledger_postings (transaction_id, account_id, amount, balance_after) "
# PostgreSQL does all three in one statement: each statement costs both sides CPU
# (bench/results/), and a ledger writer holds everyone else up meanwhile.
_WRITE_AT_ONCE = (
    f"WITH tx AS ({_INSERT_TX}), "
    f"changed AS ({_CHANGE_BALANCES} RETURNING address, ledger_accounts.id, balance, "
    "change.column2 AS amount), "
    f"posted AS ({_INSERT_POSTINGS} SELECT tx.id, changed.id, amount, balance FROM tx, changed) "
    "SELECT tx.id, address, changed.id, balance FROM tx LEFT JOIN changed ON true"
)


def _write(
    session: Session, driver: _Driver, row: tuple, postings: list[tuple[str, int]]
) -> tuple[int, list[int]]:
    """Insert the transaction ``row``, change every posting's balance in one UPDATE (each
    account found by its address, a debit refused by the database if it would overdraw)
    and write the postings; returns the transaction's id and the accounts' ids.

    A posting the UPDATE passed over — an account not opened yet, or a refusal — is tried
    on its own afterwards, which opens the account or raises ``InsufficientPoints``."""
    if driver.dialect == "postgresql":
        written = driver.all(_WRITE_AT_ONCE, postings, before=row)
        tx_id = written[0][0]
        changed = {address: (account_id, after) for _, address, account_id, after in written if address}
    else:
        tx_id = driver.one(_INSERT_TX, row)[0]
        changed = {
            address: (account_id, after)
            for address, account_id, after in driver.all(
                _CHANGE_BALANCES + "RETURNING address, id, balance", postings
            )
        }
        _insert_postings(driver, tx_id, postings, changed)
    if missed := {
        address: _apply(session, driver, address, amount)
        for address, amount in postings
        if address not in changed
    }:
        _insert_postings(driver, tx_id, postings, missed)
    return tx_id, [(changed.get(address) or missed[address])[0] for address, _ in postings]


def _insert_postings(
    driver: _Driver, tx_id: int, postings: list[tuple[str, int]], balances: dict[str, tuple[int, int]]
) -> None:
    """The postings of the accounts in ``balances`` (address: account id, balance after)."""
    if rows := [
        (tx_id, balances[address][0], amount, balances[address][1])
        for address, amount in postings
        if address in balances
    ]:
        driver.all(_INSERT_POSTINGS + "{values}", rows)


def _apply(session: Session, driver: _Driver, address: str, amount: int) -> tuple[int, int]:
    """A posting the one UPDATE passed over: open its account if it is new (with nothing in
    it), then change the balance unless that would overdraw it."""
    guard = " AND (may_go_negative OR balance - pending + ? >= 0)" if amount < 0 else ""
    account_id = account_ids(session, [address], driver)[address]
    row = driver.one(
        f"UPDATE ledger_accounts SET balance = balance + ? WHERE id = ?{guard} RETURNING id, balance",
        (amount, account_id, amount) if amount < 0 else (amount, account_id),
    )
    if row is None:
        raise InsufficientPoints(f"{address} has too few points for {-amount}")
    return row


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
    session.flush()  # the driver statements below must see the session's pending changes
    driver = _Driver(session)
    prev_hash = lock_head(session, driver)
    print_ = fingerprint(kind, postings, memo, reference)
    if idempotency_key and (existing := _replay(session, idempotency_key, print_)):
        return existing
    now = utcnow()
    new_hash = chain_hash(prev_hash, kind, memo, reference, now, postings)
    tx_id, accounts = _write(
        session,
        driver,
        (
            kind,
            memo,
            reference,
            actor_id,
            driver.timestamp(now),
            idempotency_key,
            print_,
            reverses_id,
            prev_hash,
            new_hash,
        ),
        postings,
    )
    _forget_accounts(session, accounts)
    return _persistent(
        session,
        Transaction(
            id=tx_id,
            kind=kind,
            memo=memo,
            reference=reference,
            actor_id=actor_id,
            created_at=now,
            idempotency_key=idempotency_key,
            fingerprint=print_,
            reverses_id=reverses_id,
            prev_hash=prev_hash,
            hash=new_hash,
        ),
    )


def _persistent(session: Session, tx: Transaction) -> Transaction:
    """The row just inserted, as an ORM object, without reading it back."""
    make_transient_to_detached(tx)
    session.add(tx)
    return tx


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
    """Correct a transaction by writing its opposite; the original is never touched."""
    if session.scalar(select(Transaction.id).where(Transaction.reverses_id == tx.id)):
        raise AlreadyReversed(f"transaction {tx.id} is already reversed")
    opposite = [(p.account.address, -p.amount) for p in tx.postings]
    return post(
        session,
        opposite,
        kind="reversal",
        memo=memo or f"reversal of {tx.id}",
        reference=f"ledger_tx:{tx.id}",
        actor_id=actor_id,
        idempotency_key=idempotency_key,
        reverses_id=tx.id,
    )
