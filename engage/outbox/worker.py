"""The delivery worker: claims due messages, sends each through its channel's adapter and
records every attempt; ``flask engage worker`` runs it in a loop, ``tick`` once.

It is a job, not a service: each claim and each record is a short transaction of its own,
committed here, so no lock is held while a provider is called.

- Claiming is one conditional UPDATE of due ``pending`` rows to ``sending`` with a lease
  (``claimed_until``). On PostgreSQL the rows are picked by a ``SELECT … FOR UPDATE SKIP
  LOCKED`` inside it, so concurrent workers take disjoint batches without waiting; on
  SQLite the UPDATE runs in a ``BEGIN IMMEDIATE`` transaction, which one writer holds at a
  time. Either way no message is claimed by two workers at once.
- A batch is sent while at least half its lease is left (the rest goes back untried),
  then its tries are recorded in one transaction, conditional on the claim still being
  this worker's (status ``sending`` and the same lease): sent, failed after the last try,
  or pending again after a backoff that doubles each time, with jitter.
- A message still ``sending`` when its lease runs out was claimed by a worker that died
  between sending and recording (its whole batch is in that state). The lost try is
  recorded as ``crashed`` and the message is due again: it is sent once more, with the
  same idempotency key, which the providers that take one use to drop the duplicate.
- Before sending, a recipient's quiet hours and digest may hold a non-urgent message back
  (``preferences.hold_until``); it is put back, untried, due when they end.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from engage.outbox.adapters import Adapter, Envelope, ProviderTimeout, SendResult
from engage.outbox.models import DeliveryAttempt, NotificationPreference, OutboxMessage
from engage.outbox.preferences import Rules, hold_until
from points.base import utcnow

log = logging.getLogger("engage.outbox")
DETAIL_MAX = 500
MAX_DOUBLINGS = 10


@dataclass(frozen=True)
class Policy:
    """How the worker claims and retries (OUTBOX_* settings) and the recipients' rules."""

    rules: Rules
    lease: timedelta
    max_attempts: int
    retry: timedelta
    batch: int
    jitter: Callable[[], float] = random.random

    @classmethod
    def from_config(cls, config: Mapping, zone: ZoneInfo) -> Policy:
        return cls(
            rules=Rules.from_config(config, zone),
            lease=timedelta(seconds=config["OUTBOX_LEASE_SECONDS"]),
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
            retry=timedelta(seconds=config["OUTBOX_RETRY_SECONDS"]),
            batch=config["OUTBOX_BATCH"],
        )

    def backoff(self, tries: int) -> timedelta:
        """The wait after the ``tries``-th failed try: doubling from ``retry``, plus up to half
        again at random, so that messages that failed together do not retry together."""
        return self.retry * 2 ** min(tries - 1, MAX_DOUBLINGS) * (1 + self.jitter() / 2)


def reclaim_crashed(session: Session, policy: Policy, now: datetime) -> int:
    """Messages whose lease ran out while ``sending``: their lost try is recorded as
    ``crashed`` and they are due again at once, or failed if that was their last try. The
    UPDATE decides which rows it takes back, so two workers never record one crash twice."""
    tries = OutboxMessage.attempts + 1
    reclaimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_until <= now)
        .values(
            attempts=tries,
            status=case((tries >= policy.max_attempts, "failed"), else_="pending"),
            claimed_until=None,
            next_attempt_at=now,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    attempts = [
        DeliveryAttempt(
            message_id=message_id,
            at=now,
            outcome="crashed",
            detail="lease ran out before the try was recorded",
        )
        for message_id in reclaimed
    ]
    session.add_all(attempts)
    return len(attempts)


def claim(session: Session, policy: Policy, now: datetime) -> tuple[list[Envelope], int]:
    """Claim up to a batch of due messages; returns those to send now and how many were
    claimed (some may have been put back to wait out quiet hours or a digest)."""
    due = (OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
    pick = select(OutboxMessage.id).where(*due).order_by(OutboxMessage.next_attempt_at).limit(policy.batch)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    lease = now + policy.lease
    ids = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(pick.scalar_subquery()), *due)
        .values(status="sending", claimed_until=lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not ids:
        return [], 0
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).execution_options(populate_existing=True)
    ).all()
    preferences = _preferences(session, rows)
    ready = [_envelope(row, lease) for row in rows if not _held(session, row, policy, now, preferences)]
    return ready, len(ids)


def _preferences(session: Session, rows: list[OutboxMessage]) -> dict[int, NotificationPreference]:
    users = {row.user_id for row in rows if row.user_id is not None and not row.urgent}
    if not users:
        return {}
    found = session.scalars(select(NotificationPreference).where(NotificationPreference.user_id.in_(users)))
    return {preference.user_id: preference for preference in found}


def _held(
    session: Session,
    row: OutboxMessage,
    policy: Policy,
    now: datetime,
    preferences: dict[int, NotificationPreference],
) -> bool:
    """Put a person's non-urgent message back, untried, if their quiet hours or digest say wait."""
    if row.user_id is None:
        return False
    until = hold_until(
        channel=row.channel,
        kind=row.kind,
        urgent=row.urgent,
        created_at=row.created_at,
        preference=preferences.get(row.user_id),
        now=now,
        rules=policy.rules,
    )
    if until is None:
        return False
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status="pending", next_attempt_at=until, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return True


def _envelope(row: OutboxMessage, lease: datetime) -> Envelope:
    return Envelope(
        id=row.id,
        channel=row.channel,
        kind=row.kind,
        address=row.address,
        text=row.text,
        params=row.params,
        idempotency_key=row.idempotency_key,
        attempts=row.attempts,
        claimed_until=lease,
    )


def attempt(adapter: Adapter, envelope: Envelope) -> SendResult:
    """One try through the adapter; whatever it raises is this try's failure, not the worker's."""
    try:
        return adapter.send(envelope)
    except ProviderTimeout as error:
        return SendResult("timeout", str(error))
    except Exception as error:  # noqa: BLE001 - a broken adapter or provider fails the try, recorded
        log.exception("sending message %s failed", envelope.id)
        return SendResult("provider_error", f"{type(error).__name__}: {error}")


def send_batch(
    adapters: Mapping[str, Adapter], ready: list[Envelope], policy: Policy, clock: Callable[[], datetime]
) -> tuple[list[tuple[Envelope, SendResult]], list[Envelope]]:
    """Send a claimed batch in turn while at least half of its lease is left (so a slow
    provider cannot outlast the lease); returns the tries, and the messages left untried."""
    tried, untried = [], []
    for envelope in ready:
        if clock() >= envelope.claimed_until - policy.lease / 2:
            untried.append(envelope)
        else:
            tried.append((envelope, attempt(adapters[envelope.channel], envelope)))
    return tried, untried


def _still_mine(envelopes: list[Envelope]):
    """Rows of these messages still claimed by this worker: sending, under the same lease."""
    return (
        OutboxMessage.id.in_([envelope.id for envelope in envelopes]),
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_until == envelopes[0].claimed_until,  # one claim: one lease for all
    )


def record(
    session: Session, tried: list[tuple[Envelope, SendResult]], policy: Policy, now: datetime
) -> Counter:
    """Write a batch's tries and their consequences, where the claim is still this worker's:
    the sent ones in one UPDATE, each failure with its own backoff. Counts the new statuses,
    and as ``stale`` the tries whose lease had run out (another worker took them over)."""
    session.add_all(
        DeliveryAttempt(
            message_id=envelope.id,
            at=now,
            outcome=result.outcome,
            detail=result.detail[:DETAIL_MAX] or None,
            provider_id=result.provider_id,
        )
        for envelope, result in tried
    )
    counts: Counter = Counter()
    sent = [envelope for envelope, result in tried if result.outcome == "sent"]
    if sent:
        counts["sent"] = _update(session, sent, status="sent", sent_at=now)
        counts["stale"] += len(sent) - counts["sent"]
    for envelope, result in tried:
        if result.outcome != "sent":
            tries = envelope.attempts + 1
            if tries >= policy.max_attempts:
                status, values = "failed", {}
            else:
                status, values = "pending", {"next_attempt_at": now + policy.backoff(tries)}
            updated = _update(session, [envelope], status=status, **values)
            counts[status if updated else "stale"] += 1
    return counts


def _update(session: Session, envelopes: list[Envelope], **values) -> int:
    return session.execute(
        update(OutboxMessage)
        .where(*_still_mine(envelopes))
        .values(attempts=OutboxMessage.attempts + 1, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount


def release(session: Session, untried: list[Envelope]) -> None:
    """Put messages claimed but not tried back, due at once, their attempts unchanged."""
    if untried:
        session.execute(
            update(OutboxMessage)
            .where(*_still_mine(untried))
            .values(status="pending", claimed_until=None)
            .execution_options(synchronize_session=False)
        )


COUNT_LABELS = {
    "sent": "messages sent",
    "pending": "messages to retry",
    "failed": "messages failed",
    "stale": "messages recorded late",
    "held": "messages held (quiet hours, digest)",
    "crashed": "crashed sends taken back",
}


def deliver_due(
    session: Session,
    adapters: Mapping[str, Adapter],
    policy: Policy,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, int]:
    """Send everything due, a batch at a time, until nothing is due: each claim and each
    batch's record is committed on its own. Returns counts by outcome, labelled for
    ``tick``'s report. A worker killed between sending a batch and recording it leaves the
    batch ``sending``: when the lease runs out, the batch's messages are sent once more."""
    counts: Counter = Counter()
    while True:
        now = clock()
        counts["crashed"] += reclaim_crashed(session, policy, now)
        ready, claimed = claim(session, policy, now)
        session.commit()
        counts["held"] += claimed - len(ready)
        if not claimed:
            return {COUNT_LABELS[name]: count for name, count in counts.items() if count}
        tried, untried = send_batch(adapters, ready, policy, clock)
        counts.update(record(session, tried, policy, clock()))
        release(session, untried)
        session.commit()
