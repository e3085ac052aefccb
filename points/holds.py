"""Two-phase transfers: reserve now, post or void exactly once later.

An order's reward is held for the volunteer when they report completion and posted
when the requester rates it (or voided if the order is cancelled). Reserving raises
the source's ``pending``, so the points cannot be spent twice meanwhile.

Every step locks the accounts it changes before the hold row (``lock_accounts``, in
the order of their ids, as postings do), so settling a hold cannot deadlock with a
transfer or another settle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from points.base import utcnow
from points.errors import HoldNotPending, InsufficientPoints, InvalidAmount
from points.inserts import insert_unless_taken
from points.ledger import lock_accounts, lock_where, transfer
from points.models import Account, Hold, Transaction


def hold(
    session: Session,
    source: str,
    destination: str,
    amount: int,
    *,
    kind: str,
    memo: str = "",
    reference: str | None = None,
    actor_id: int | None = None,
    expires_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Hold:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount("a hold reserves a positive integer number of points")
    if idempotency_key and (existing := _held(session, idempotency_key)):
        return existing
    session.flush()
    accounts = lock_accounts(session, [source, destination])
    if not accounts[source].can_spend(amount):
        raise InsufficientPoints(f"{source} has too few points to hold {amount}")
    held = insert_unless_taken(
        session,
        Hold,
        dict(
            source_id=accounts[source].id,
            destination_id=accounts[destination].id,
            amount=amount,
            kind=kind,
            memo=memo,
            reference=reference,
            actor_id=actor_id,
            expires_at=expires_at,
            idempotency_key=idempotency_key,
        ),
        "idempotency_key",
    )
    if held is None:  # a retry with the same key committed first
        return _held(session, idempotency_key)
    reserved = session.execute(
        update(Account)
        .where(
            Account.id == accounts[source].id,
            Account.may_go_negative | (Account.balance - Account.pending >= amount),
        )
        .values(pending=Account.pending + amount)
        .returning(Account.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if reserved is None:
        raise InsufficientPoints(f"{source} has too few points to hold {amount}")
    return held


def _held(session: Session, key: str) -> Hold | None:
    return session.scalar(select(Hold).where(Hold.idempotency_key == key))


def _settle(session: Session, held: Hold, status: str) -> None:
    """Flip pending → status once; a second settle (or a concurrent one) is refused.
    The caller has locked the hold's accounts."""
    flipped = session.execute(
        update(Hold)
        .where(Hold.id == held.id, Hold.status == "pending")
        .values(status=status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if flipped != 1:
        raise HoldNotPending(f"hold {held.id} is no longer pending")
    session.execute(
        update(Account)
        .where(Account.id == held.source_id)
        .values(pending=Account.pending - held.amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(held)


def post_hold(
    session: Session, held: Hold, *, amount: int | None = None, actor_id: int | None = None
) -> Transaction:
    """Post the held transfer, in full or a smaller ``amount``; the rest is released."""
    amount = held.amount if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= held.amount:
        raise InvalidAmount("a hold posts a positive amount no larger than it reserved")
    session.flush()
    lock_where(session, Account.id.in_([held.source_id, held.destination_id]))
    _settle(session, held, "posted")
    tx = transfer(
        session,
        held.source.address,
        held.destination.address,
        amount,
        kind=held.kind,
        memo=held.memo,
        reference=held.reference,
        actor_id=actor_id or held.actor_id,
    )
    held.transaction_id = tx.id
    session.flush()
    return tx


def void_hold(session: Session, held: Hold) -> None:
    session.flush()
    lock_where(session, Account.id == held.source_id)
    _settle(session, held, "voided")


def expire_holds(session: Session, *, now: datetime | None = None) -> int:
    """Void every pending hold past its expiry (the ``tick`` command runs this)."""
    now = now or utcnow()
    expired = (Hold.status == "pending") & (Hold.expires_at <= now)
    lock_where(session, Account.id.in_(select(Hold.source_id).where(expired)))
    due = list(session.scalars(select(Hold).where(expired)))
    for held in due:
        _settle(session, held, "voided")
    return len(due)
