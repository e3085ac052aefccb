"""Ledger tables: accounts, transactions (journal entries), postings, holds.

Postings and transactions are append-only (triggers refuse UPDATE and DELETE, see
``points.schema``); an account's ``balance`` is materialized in the same transaction
as its postings and always equals their sum; ``pending`` is what pending holds
reserve, so ``balance - pending`` is what can be spent.

Tamper evidence is a hash chain per account: each posting's ``hash`` covers the
account's previous posting's hash and its own content, and the account row keeps the
newest (``head``), so extending a chain needs only the account lock a posting takes
anyway. Seals record every account's head from time to time (``points.seals``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64  # the head of an account with no postings yet

HOLD_STATUSES = ("pending", "posted", "voided")


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("may_go_negative OR balance - pending >= 0", name="not_overdrawn"),
        CheckConstraint("pending >= 0", name="pending_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(100), unique=True)
    may_go_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    head: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Transaction(Base):
    """A journal entry: two or more postings that sum to zero. Its id is the global order
    of the ledger (statements, exports); its ``hash`` covers its content."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(240), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    postings: Mapped[list[Posting]] = relationship(order_by="Posting.id", back_populates="transaction")


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="non_zero"),
        Index("ix_ledger_postings_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))

    transaction: Mapped[Transaction] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")


class Hold(Base):
    """A two-phase transfer: reserved now, posted or voided exactly once later."""

    __tablename__ = "ledger_holds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        CheckConstraint("status IN ('pending', 'posted', 'voided')", name="status"),
        Index("ix_ledger_holds_pending", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    kind: Mapped[str] = mapped_column(String(24))
    memo: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(240), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))

    source: Mapped[Account] = relationship(foreign_keys=[source_id])
    destination: Mapped[Account] = relationship(foreign_keys=[destination_id])


class Seal(Base):
    """A checkpoint of every account's chain: the heads that changed since the previous
    seal (``SealedHead``) and a hash over all heads, chained to the previous seal. A
    posting deleted or rewritten, a whole transaction dropped or an account rolled back
    before a seal no longer matches it (``points verify``)."""

    __tablename__ = "ledger_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accounts: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    # The last hash of the single chain that came before per-account chains (first seal only).
    legacy_hash: Mapped[str | None] = mapped_column(String(64))
    # Unique: two seals taken at once cannot both extend the same one.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class SealedHead(Base):
    """An account's head when a seal was taken, if it changed since the previous seal."""

    __tablename__ = "ledger_sealed_heads"

    seal_id: Mapped[int] = mapped_column(ForeignKey("ledger_seals.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    head: Mapped[str] = mapped_column(String(64))
