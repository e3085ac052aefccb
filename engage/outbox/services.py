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
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import Integer, Select, String, bindparam, func, select, update
from sqlalchemy.orm import Session, contains_eager, selectinload

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.errors import Forbidden, NotFound
from engage.outbox.models import CHANNELS, STATUSES, TEXT_MAX, OutboxMessage, OutboxNotice
from engage.outbox.preferences import DIGEST, Recipient, recipients
from engage.scope import scope_of
from engage.validation import choice
from points.base import UTCDateTime, utcnow
from points.inserts import insert_unless_taken, stored_unless_taken

# Notices about one request (one page) to one person within this time go as one message.
MERGE_WINDOW = timedelta(minutes=1)
SEPARATOR = "；"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

_messages = OutboxMessage.__table__
_pending = _messages.alias("pending")
# Built once, for every notice's path: append to the newest untried pending message of a
# merge key (created since a time) if the text still fits. One conditional UPDATE: a worker
# claiming the message, or another notice merging into it, at the same moment is decided
# by the row's lock and the conditions re-read under it (then this notice starts a message).
_MERGE = (
    update(_messages)
    .where(
        _messages.c.id
        == select(func.max(_pending.c.id))
        .where(
            _pending.c.merge_key == bindparam("b_merge_key"),
            _pending.c.status == "pending",
            _pending.c.attempts == 0,
            _pending.c.created_at >= bindparam("since", type_=UTCDateTime),
        )
        .scalar_subquery(),
        _messages.c.status == "pending",
        _messages.c.attempts == 0,
        func.length(_messages.c.text) + bindparam("extra", type_=Integer) <= TEXT_MAX,
    )
    .values(text=_messages.c.text + bindparam("tail", type_=String))
    .returning(_messages.c.id)
)


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
    ``merge_since``) has the text appended instead, when it has not been tried yet.
    Pass ``urgent=True`` for what must not wait (an SMS code): the worker holds a person's
    non-urgent message through their quiet hours."""
    values = _values(
        channel=channel,
        kind=kind,
        to=to,
        text=text,
        params=params,
        user_id=user_id,
        urgent=urgent,
        idempotency_key=idempotency_key,
        merge_key=merge_key,
        due=due,
    )
    if merge_key is not None and (merged := _merge(session, merge_key, values["text"], merge_since)):
        return session.get(OutboxMessage, merged, populate_existing=True)
    row = insert_unless_taken(session, OutboxMessage, values, "idempotency_key")
    if row is None:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == values["idempotency_key"])
        ).one()
    return row


def _values(
    *, channel: str, to: str, text: str, idempotency_key: str | None, due: datetime | None, **rest
) -> dict:
    """The row of a new message, due now unless ``due`` says when."""
    channel = choice(channel, "channel", CHANNELS)
    now = utcnow()
    return {
        **rest,
        "channel": channel,
        "address": to,
        "text": str(text)[:TEXT_MAX],
        "idempotency_key": idempotency_key or f"{channel}:{uuid4().hex}",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": due or now,
        "created_at": now,
    }


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


def _merge(session: Session, merge_key: str, text: str, since: datetime | None) -> int | None:
    """The id of the message ``text`` was appended to, or None (then it needs its own)."""
    tail = SEPARATOR + text
    return (
        session.connection()
        .execute(
            _MERGE, {"b_merge_key": merge_key, "since": since or EPOCH, "extra": len(tail), "tail": tail}
        )
        .scalar()
    )


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
    the request meanwhile joins it. Otherwise: a message of its own, due now. (Rows, not
    ORM objects: this runs for every recipient of every notice.)"""
    merge_key, since, due = None, None, None
    if recipient.digest and not urgent:
        kind, merge_key = DIGEST, f"{DIGEST}:{channel}:{recipient.user_id}"
    elif about and not urgent:
        merge_key = f"{channel}:{recipient.user_id}:{about}"
        since, due = now - MERGE_WINDOW, now + MERGE_WINDOW
    if merge_key is not None and _merge(session, merge_key, text, since):
        return
    values = _values(
        channel=channel,
        kind=kind,
        to=recipient.address(channel),
        text=text,
        params=None,
        user_id=recipient.user_id,
        urgent=urgent,
        idempotency_key=key,
        merge_key=merge_key,
        due=due,
    )
    stored_unless_taken(session, OutboxMessage, values, "idempotency_key")


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
