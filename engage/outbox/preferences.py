"""Who gets what: the channels each person receives each kind of notice on (besides the
in-app list, which everyone gets), quiet hours without SMS, and a daily digest.

Urgent notices (a 必到 event to the grid's worker, a 督办, a 吹哨 to a department) always go
by SMS as well, at once: they ignore quiet hours and the digest. The rest wait out the
recipient's quiet hours (22:00–07:00 local unless they chose others), and with the digest
on, they are gathered into one message a day. The waiting is decided when the worker
picks a message up (``hold_until``), with the deployment's zone and hours, so that a
message retried into the night waits too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.errors import Invalid
from engage.outbox.labels import NOTICE_KIND_NAMES
from engage.outbox.models import CHANNELS, NotificationPreference
from engage.persistence import upsert
from engage.validation import choice, flag, whole
from points.base import utcnow

# A message of this kind gathers one person's non-urgent notices of a day.
DIGEST = "digest"
# Out of the box, work and news about one's own requests come by SMS; the rest in-app only.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    "duty_event": ("sms",),
    "escalation": ("sms",),
    "whistle": ("sms",),
    "dispatch": ("sms",),
    "callback": ("sms",),
    "reminder": ("sms",),
    "status": ("sms",),
}


@dataclass(frozen=True)
class Rules:
    """The deployment's side of the rules: its zone, default quiet hours and digest hour."""

    zone: ZoneInfo
    quiet_hours: tuple[int, int]
    digest_hour: int

    @classmethod
    def from_config(cls, config: Mapping, zone: ZoneInfo) -> Rules:
        return cls(zone, tuple(config["NOTIFY_QUIET_HOURS"]), config["NOTIFY_DIGEST_HOUR"])


@dataclass(frozen=True)
class Recipient:
    """A person as delivery sees them: where they can be reached, and what they chose."""

    user_id: int
    phone: str | None
    choices: dict | None  # their NotificationPreference.channels, if they ever chose
    digest: bool
    wechat_openid: str | None

    def address(self, channel: str) -> str | None:
        return self.phone if channel == "sms" else self.wechat_openid

    def channels(self, kind: str, *, urgent: bool) -> list[str]:
        """The channels beyond in-app this kind of notice goes on, where they can be reached."""
        chosen = set(chosen_channels(self.choices, kind))
        if urgent:
            chosen.add("sms")
        return [channel for channel in CHANNELS if channel in chosen and self.address(channel)]


def chosen_channels(choices: dict | None, kind: str) -> tuple[str, ...]:
    """The channels a person chose for ``kind`` (``NotificationPreference.channels``), else the default."""
    if choices is not None and kind in choices:
        return tuple(choices[kind])
    return DEFAULT_CHANNELS.get(kind, ())


# Built once: the statement is on every notice's path.
_RECIPIENTS = (
    select(
        User.id,
        User.phone,
        NotificationPreference.channels,
        NotificationPreference.digest,
        NotificationPreference.wechat_openid,
    )
    .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
    .where(User.id.in_(bindparam("ids", expanding=True)), User.is_active.is_(True))
)


def recipients(session: Session, user_ids: Iterable[int]) -> list[Recipient]:
    """The active accounts among ``user_ids`` with their phone and preferences, in one query."""
    rows = session.execute(_RECIPIENTS, {"ids": sorted(set(user_ids))})
    return [
        Recipient(user_id, phone, choices, bool(digest), openid)
        for user_id, phone, choices, digest, openid in rows
    ]


def preference_of(session: Session, user: User) -> NotificationPreference:
    """The person's preferences; an unsaved row of defaults when they never chose."""
    return session.get(NotificationPreference, user.id) or NotificationPreference(
        user_id=user.id, channels={}, quiet_hours=True, digest=False
    )


def update_preferences(
    session: Session,
    actor: User,
    *,
    channels: Mapping[str, Iterable[str]],
    quiet_hours,
    quiet_start,
    quiet_end,
    digest,
) -> NotificationPreference:
    """The actor's own choices: channels per kind (every kind named, an empty list for
    in-app only), quiet hours on or off and from when to when, the daily digest."""
    chosen = {}
    for kind, picked in channels.items():
        if kind not in NOTICE_KIND_NAMES:
            raise Invalid.field("channels", _("未知的通知类型。"))
        chosen[kind] = sorted({choice(channel, "channels", CHANNELS) for channel in picked})
    values = {
        "channels": chosen,
        "quiet_hours": flag(quiet_hours, "quiet_hours", True),
        "quiet_start": whole(quiet_start, "quiet_start", 0, 23),
        "quiet_end": whole(quiet_end, "quiet_end", 0, 23),
        "digest": flag(digest, "digest", False),
        "updated_at": utcnow(),
    }
    return upsert(session, NotificationPreference, {"user_id": actor.id}, values)


def link_wechat(session: Session, user_id: int, openid: str) -> NotificationPreference:
    """Where the person's WeChat subscribe messages go: the openid the mini-program's sign-in
    obtained from WeChat (never one a client typed in)."""
    return upsert(
        session,
        NotificationPreference,
        {"user_id": user_id},
        {"wechat_openid": openid, "updated_at": utcnow()},
        new={"channels": {}, "quiet_hours": True, "digest": False},
    )


def quiet_window(preference: NotificationPreference | None, rules: Rules) -> tuple[int, int] | None:
    """The local hours (from, to) without SMS, or None when the person turned them off."""
    if preference is not None and not preference.quiet_hours:
        return None
    start, end = rules.quiet_hours
    if preference is not None and preference.quiet_start is not None:
        start = preference.quiet_start
    if preference is not None and preference.quiet_end is not None:
        end = preference.quiet_end
    return None if start == end else (start, end)


def _next_local(now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """The first local ``hour``:00 after ``now``, in UTC."""
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return at.astimezone(UTC)


def quiet_until(preference: NotificationPreference | None, now: datetime, rules: Rules) -> datetime | None:
    """When the quiet hours ``now`` falls in end; None outside them."""
    hours = quiet_window(preference, rules)
    if hours is None:
        return None
    start, end = hours
    hour = now.astimezone(rules.zone).hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    return _next_local(now, end, rules.zone) if inside else None


def hold_until(
    *,
    channel: str,
    kind: str,
    urgent: bool,
    created_at: datetime,
    preference: NotificationPreference | None,
    now: datetime,
    rules: Rules,
) -> datetime | None:
    """Until when a due message must still wait (a digest until its hour, an SMS through
    the recipient's quiet hours); None: send it now. Urgent messages never wait."""
    if urgent:
        return None
    if kind == DIGEST:
        at = _next_local(created_at, rules.digest_hour, rules.zone)
        if now < at:
            return at
    if channel == "sms":
        return quiet_until(preference, now, rules)
    return None
