"""Reading the ledger: statements for people and budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points.models import Account, Posting, Transaction


@dataclass(frozen=True)
class Line:
    id: int
    transaction_id: int
    amount: int
    balance_after: int
    kind: str
    memo: str
    reference: str | None
    created_at: datetime


def _lines(address: str, kinds: list[str] | None, since: datetime | None, until: datetime | None):
    stmt = (
        select(
            Posting.id,
            Posting.transaction_id,
            Posting.amount,
            Posting.balance_after,
            Transaction.kind,
            Transaction.memo,
            Transaction.reference,
            Transaction.created_at,
        )
        .join(Transaction, Posting.transaction_id == Transaction.id)
        .join(Account, Posting.account_id == Account.id)
        .where(Account.address == address)
    )
    if kinds:
        stmt = stmt.where(Transaction.kind.in_(kinds))
    if since:
        stmt = stmt.where(Transaction.created_at >= since)
    if until:
        stmt = stmt.where(Transaction.created_at < until)
    return stmt


def statement(
    session: Session,
    address: str,
    *,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[Line]:
    """An account's postings, newest first, with the balance after each."""
    stmt = _lines(address, kinds, since, until).order_by(Posting.id.desc()).limit(limit).offset(offset)
    return [Line(*row) for row in session.execute(stmt)]


def statement_count(
    session: Session,
    address: str,
    *,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    return session.scalar(select(func.count()).select_from(_lines(address, kinds, since, until).subquery()))
