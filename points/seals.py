"""Seals: checkpoints of every account's hash chain.

An account's chain shows a posting rewritten or deleted in its middle, but not its last
postings removed together with the account's head and balance put back (an account
rolled back), nor a whole transaction dropped from the end. A seal records each
account's newest posting and its hash, and a hash over all of them chained to the
previous seal, so anything done before a seal is evidence against it afterwards.

Only the heads that changed since the previous seal are stored; the full set at any
seal is the previous set updated by its changes. Heads are read from the accounts as
committed: an account's head moves in the same transaction as the posting it names, so
what a seal records is always the end of a committed prefix of that account's chain,
even while other postings are being written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from points.base import utcnow
from points.models import GENESIS_HASH, Account, Seal, SealedHead


def root_of(heads: dict[int, str]) -> str:
    """A hash over every account's head, in the order of account ids."""
    content = "\n".join(f"{account}:{head}" for account, head in sorted(heads.items()))
    return hashlib.sha256(content.encode()).hexdigest()


def seal_hash(prev_hash: str, accounts: int, root: str, legacy_hash: str | None, created_at) -> str:
    content = json.dumps([prev_hash, accounts, root, legacy_hash, created_at.isoformat()])
    return hashlib.sha256(content.encode()).hexdigest()


def history(session: Session) -> Iterator[tuple[Seal, dict[int, str]]]:
    """Every seal, oldest first, with the full set of heads it vouches for."""
    changes: dict[int, dict[int, str]] = {}
    for seal_id, account, head in session.execute(
        select(SealedHead.seal_id, SealedHead.account_id, SealedHead.head)
    ):
        changes.setdefault(seal_id, {})[account] = head
    heads: dict[int, str] = {}
    for seal in session.scalars(select(Seal).order_by(Seal.id)):
        heads.update(changes.get(seal.id, {}))
        yield seal, dict(heads)


def _last_sealed(session: Session) -> dict[int, str]:
    newest = select(SealedHead.account_id, func.max(SealedHead.seal_id)).group_by(SealedHead.account_id)
    return dict(
        session.execute(
            select(SealedHead.account_id, SealedHead.head).where(
                tuple_(SealedHead.account_id, SealedHead.seal_id).in_(newest)
            )
        ).all()
    )


def seal_if_due(session: Session, *, every: timedelta, now: datetime | None = None) -> int:
    """Seal unless the last seal is younger than ``every``; how many seals were taken."""
    last = session.scalar(select(func.max(Seal.created_at)))
    if last is not None and last > (now or utcnow()) - every:
        return 0
    seal(session)
    return 1


def seal(session: Session, *, legacy_hash: str | None = None) -> Seal:
    """Record a checkpoint of every account's chain (a ``tick`` job does, daily)."""
    heads = dict(session.execute(select(Account.id, Account.head).where(Account.head != GENESIS_HASH)).all())
    before = _last_sealed(session)
    previous = session.scalar(select(Seal.hash).order_by(Seal.id.desc()).limit(1)) or GENESIS_HASH
    now = utcnow()
    root = root_of(heads)
    session.add(
        new := Seal(
            created_at=now,
            accounts=len(heads),
            root=root,
            legacy_hash=legacy_hash,
            prev_hash=previous,
            hash=seal_hash(previous, len(heads), root, legacy_hash, now),
        )
    )
    session.flush()
    session.add_all(
        SealedHead(seal_id=new.id, account_id=account, head=head)
        for account, head in heads.items()
        if before.get(account) != head
    )
    session.flush()
    return new
