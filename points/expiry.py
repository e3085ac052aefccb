"""Expiry of old points, first in, first out.

Points earned more than ``months`` before the period end expire then. Spending
always uses the oldest points first, so what may expire is whatever an account
earned before the cut-off and has not spent (or lost to earlier expiries) since:
``credits before cut-off − all debits so far``, never more than is available.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from points.ledger import lock_where, open_accounts, transfer
from points.models import Account, Posting, Transaction

EXPIRED_ACCOUNT = "expired"
EXPIRING_PREFIX = "user:"


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 - months
    year = moment.year + month // 12
    month = month % 12 + 1
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month, day=day)


def expire_points(
    session: Session, *, months: int, as_of: datetime, actor_id: int | None = None
) -> list[Transaction]:
    """Write the ``expire`` transactions for the period ending ``as_of`` (idempotent)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    cutoff = _add_months(as_of, months)
    # Every account that may lose points, and the one that receives them, locked at once in
    # the order of their ids: the transfers below then wait for nothing and block no one
    # into a deadlock. Their balances are read after the lock.
    open_accounts(session, [EXPIRED_ACCOUNT])
    lock_where(session, Account.address.startswith(EXPIRING_PREFIX) | (Account.address == EXPIRED_ACCOUNT))
    earned_early = (Posting.amount > 0) & (Transaction.created_at < cutoff)
    credits_before = func.sum(case((earned_early, Posting.amount), else_=0))
    debits = func.sum(case((Posting.amount < 0, -Posting.amount), else_=0))
    rows = session.execute(
        select(Account.address, credits_before - debits, Account.balance - Account.pending)
        .join(Posting, Posting.account_id == Account.id)
        .join(Transaction, Posting.transaction_id == Transaction.id)
        .where(Account.address.startswith(EXPIRING_PREFIX))
        .group_by(Account.id, Account.address, Account.balance, Account.pending)
        .order_by(Account.id)
    )
    written = []
    for address, unspent_old, available in rows:
        amount = min(unspent_old or 0, available)
        key = f"expire:{address}:{as_of.date().isoformat()}"
        if amount > 0 and not _already_expired(session, key):
            written.append(
                transfer(
                    session,
                    address,
                    EXPIRED_ACCOUNT,
                    amount,
                    kind="expire",
                    memo=f"points earned before {cutoff.date()} expired",
                    actor_id=actor_id,
                    idempotency_key=key,
                )
            )
    return written


def _already_expired(session: Session, key: str) -> bool:
    """One expiry per account and period end: a second run of the period writes nothing."""
    return session.scalar(select(Transaction.id).where(Transaction.idempotency_key == key)) is not None
