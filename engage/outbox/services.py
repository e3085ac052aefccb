"""Queueing outbound messages: the interface every capability sends SMS and WeChat through.

``enqueue`` (and ``send_sms``) write a row in the caller's transaction and send nothing: the
worker (``engage.outbox.worker``) delivers it once the transaction has committed, so an
action that is rolled back sends nothing and no request waits on a provider.
``deliver_notice`` is how a notification goes out beyond the in-app list, as each
recipient's preferences say: urgent ones at once, the rest merged per request within a
minute (or into the day's digest), and the same notice never twice on one channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, contains_eager, selectinload

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.errors import Forbidden, NotFound
from engage.outbox.models import CHANNELS, STATUSES, TEXT_MAX, OutboxMessage, OutboxNotice
from engage.outbox.preferences import DIGEST, Recipient, recipients
from engage.scope import scope_of
from engage.validation import choice
from points.base import utcnow
from points.inserts import insert_unless_taken, stored_unless_taken

# Notices about one request (one page) to one person within this time go as one message.
MERGE_WINDOW = timedelta(minutes=1)
SEPARATOR = "；"


def enqueue(
    session: Session,
    *,
    channel: str,
    kind: str,
    to: str,
    text: str,
    params: dict | None = None,
    user_id: int | None = None,
    urgent: bool = False,
    idempotency_key: str | None = None,
    merge_key: str | None = None,
    merge_since: datetime | None = None,
    due: datetime | None = None,
) -> OutboxMessage:
    """Queue one message to ``to`` (a phone for SMS, an openid for WeChat), due now (or at
    ``due``). ``params`` fill the provider's template for ``kind`` (default: the text).
    With an ``idempotency_key`` already queued, that message is returned and nothing is
    added. With a ``merge_key``, a pending message of the same key (created since
    ``merge_since``) has the text appended instead, when it has not been tried yet."""
    channel = choice(channel, "channel", CHANNELS)
    text = str(text)[:TEXT_MAX]
    if merge_key is not None:
        merged = _merge(session, merge_key, text, since=merge_since)
        if merged is not None:
            return merged
    now = utcnow()
    key = idempotency_key or f"{channel}:{uuid4().hex}"
    values = {
        "channel": channel,
        "kind": kind,
        "user_id": user_id,
        "address": to,
        "text": text,
        "params": params,
        "urgent": urgent,
        "idempotency_key": key,
        "merge_key": merge_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due or now,
        "created_at": now,
    }
    row = insert_unless_taken(session, OutboxMessage, values, "idempotency_key")
    if row is None:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    return row


def send_sms(
    session: Session,
    *,
    to: str,
    text: str,
    kind: str,
    urgent: bool = False,
    user_id: int | None = None,
    params: dict | None = None,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """One SMS to a phone number (an SMS code, a status push): ``enqueue`` on the SMS channel."""
    return enqueue(
        session,
        channel="sms",
        kind=kind,
        to=to,
        text=text,
        params=params,
        user_id=user_id,
        urgent=urgent,
        idempotency_key=idempotency_key,
    )


def _merge(session: Session, merge_key: str, text: str, *, since: datetime | None) -> OutboxMessage | None:
    """Append ``text`` to the newest untried pending message of ``merge_key``. The UPDATE is
    conditional on the text and status read, so a worker claiming the message, or another
    notice merging into it, at the same moment makes this one a message of its own instead."""
    conditions = [
        OutboxMessage.merge_key == merge_key,
        OutboxMessage.status == "pending",
        OutboxMessage.attempts == 0,
    ]
    if since is not None:
        conditions.append(OutboxMessage.created_at >= since)
    found = session.execute(
        select(OutboxMessage.id, OutboxMessage.text)
        .where(*conditions)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    if found is None or len(found.text) + len(SEPARATOR) + len(text) > TEXT_MAX:
        return None
    extended = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == found.id, OutboxMessage.status == "pending", OutboxMessage.text == found.text
        )
        .values(text=found.text + SEPARATOR + text)
        .execution_options(synchronize_session=False)
    ).rowcount
    return session.get(OutboxMessage, found.id, populate_existing=True) if extended else None


def notice_key(channel: str, user_id: int, kind: str, about: str | None, text: str, now: datetime) -> str:
    """The same notice (person, channel, kind, page and text) on the same day (UTC) has the same key."""
    parts = (channel, str(user_id), kind, about or "", text, now.date().isoformat())
    return "notice:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def deliver_notice(
    session: Session,
    user_ids: Iterable[int],
    *,
    kind: str,
    text: str,
    urgent: bool = False,
    about: str | None = None,
) -> int:
    """Queue a notice to each person on the channels their preferences choose for ``kind``
    (urgent ones by SMS in any case); ``about`` names what it concerns (a request's page),
    which notices within a minute are merged by. Returns how many were queued or merged."""
    now = utcnow()
    queued = 0
    for recipient in recipients(session, user_ids):
        for channel in recipient.channels(kind, urgent=urgent):
            key = notice_key(channel, recipient.user_id, kind, about, text, now)
            if stored_unless_taken(session, OutboxNotice, {"key": key, "created_at": now}, "key") is None:
                continue  # this notice is queued on this channel already
            _queue(
                session,
                recipient,
                channel,
                kind=kind,
                text=text,
                urgent=urgent,
                about=about,
                key=key,
                now=now,
            )
            queued += 1
    return queued


def _queue(
    session: Session,
    recipient: Recipient,
    channel: str,
    *,
    kind: str,
    text: str,
    urgent: bool,
    about: str | None,
    key: str,
    now: datetime,
) -> None:
    """Urgent: a message of its own, due now. Digest: into the person's pending digest (the
    worker holds it until the digest hour). About a request: into a pending message about
    it from the last minute, else a new one due in a minute, so that what else happens to
    the request meanwhile joins it. Otherwise: a message of its own, due now."""
    common = {
        "channel": channel,
        "to": recipient.address(channel),
        "text": text,
        "user_id": recipient.user_id,
        "idempotency_key": key,
    }
    if urgent:
        enqueue(session, **common, kind=kind, urgent=True)
    elif recipient.digest:
        enqueue(session, **common, kind=DIGEST, merge_key=f"{DIGEST}:{channel}:{recipient.user_id}")
    elif about:
        enqueue(
            session,
            **common,
            kind=kind,
            merge_key=f"{channel}:{recipient.user_id}:{about}",
            merge_since=now - MERGE_WINDOW,
            due=now + MERGE_WINDOW,
        )
    else:
        enqueue(session, **common, kind=kind)


def messages_in_scope(session: Session, actor: User, *, status: str | None = None) -> Select:
    """Messages to the people an admin oversees, newest first, with their recipient: staff
    and street admins see their communities' people, the command centre its district's."""
    scope = scope_of(session, actor)
    if actor.has_role(*STAFF_ROLES):
        reach = scope.administered(User.community_id)
    elif actor.has_role("district_admin") and scope.district_id is not None:
        reach = User.home_district_id == scope.district_id
    else:
        raise Forbidden()
    stmt = (
        select(OutboxMessage)
        .join(OutboxMessage.recipient)
        .options(contains_eager(OutboxMessage.recipient))
        .where(reach)
        .order_by(OutboxMessage.id.desc())
    )
    return stmt if status is None else stmt.where(OutboxMessage.status == choice(status, "status", STATUSES))


def get_message(session: Session, actor: User, message_id: int) -> OutboxMessage:
    """One message in the actor's reach, with its attempts; any other is ``NotFound``."""
    found = session.scalar(
        messages_in_scope(session, actor)
        .where(OutboxMessage.id == message_id)
        .options(selectinload(OutboxMessage.tries))
    )
    if found is None:
        raise NotFound()
    return found
