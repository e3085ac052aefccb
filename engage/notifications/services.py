"""Telling people what happened to their orders, duties and redemptions.

``notify`` resolves an audience to users and hands each notice to every channel in
``CHANNELS``: the in-app list always, and the outbox (SMS, WeChat) as each recipient's
preferences choose for the notice's kind (``engage.outbox``). Both write rows in the
caller's transaction, so a rolled-back action notifies nobody, and nothing is sent from
inside a request: the outbox's worker delivers after the commit. A notice points at a page
by ``Link`` (a route and its arguments); the page that shows it builds the URL.

Every notice has a kind (``engage.outbox.labels.NOTICE_KIND_NAMES``) that preferences route by;
urgent ones (a 必到 event to the grid's worker, a 督办, a 吹哨) go by SMS at once whatever
the preferences and the hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User, UserRole
from engage.community.models import Community, Street
from engage.notifications.models import Notification
from engage.outbox.services import deliver_notice
from engage.pagination import Page, paginate
from engage.units.services import unit_member_ids
from points.base import utcnow

MESSAGE_MAX = 300


@dataclass(frozen=True)
class Link:
    """The page a message points at: a route (a Flask endpoint) and its arguments."""

    route: str
    args: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The page as a string: what notices about the same request are merged by."""
        return ":".join((self.route, *(f"{name}={value}" for name, value in sorted(self.args.items()))))


@dataclass(frozen=True)
class Notice:
    """One message to some people: its text, the page it points at, its kind and urgency."""

    text: str
    link: Link | None
    kind: str = "notice"
    urgent: bool = False


class Channel(Protocol):
    def send(self, session: Session, user_ids: list[int], notice: Notice) -> None: ...


class InAppChannel:
    def send(self, session: Session, user_ids: list[int], notice: Notice) -> None:
        link = notice.link
        session.add_all(
            Notification(
                user_id=user_id,
                kind=notice.kind,
                message=notice.text[:MESSAGE_MAX],
                route=link.route if link else None,
                route_args=link.args if link else None,
            )
            for user_id in user_ids
        )


class OutboxChannel:
    """SMS and WeChat, on the channels each recipient chose: rows in the outbox."""

    def send(self, session: Session, user_ids: list[int], notice: Notice) -> None:
        deliver_notice(
            session,
            user_ids,
            kind=notice.kind,
            text=notice.text,
            urgent=notice.urgent,
            about=notice.link.key if notice.link else None,
        )


CHANNELS: list[Channel] = [InAppChannel(), OutboxChannel()]


def _role_in_community(session: Session, community_id: int, *roles: str) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole)
            .where(User.community_id == community_id, UserRole.role.in_(roles), User.is_active.is_(True))
            .distinct()
        )
    )


def _admins_of_street(session: Session, community_id: int) -> list[int]:
    street_id = session.get(Community, community_id).street_id
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole)
            .where(UserRole.role == "admin", User.street_id == street_id, User.is_active.is_(True))
        )
    )


def _command_centre(session: Session, community_id: int) -> list[int]:
    """The district command centre's accounts over the community (督办 at the district level)."""
    district_id = session.scalar(
        select(Street.district_id)
        .join(Community, Community.street_id == Street.id)
        .where(Community.id == community_id)
    )
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole)
            .where(
                UserRole.role == "district_admin", User.district_id == district_id, User.is_active.is_(True)
            )
        )
    )


def audience(session: Session, name: str, subject) -> list[int]:
    """User ids for an audience of a subject (an order, a duty event …)."""
    resolvers = {
        "requester": lambda: [subject.requester_id],
        "volunteer": lambda: [subject.volunteer_id or subject.assigned_volunteer_id],
        "staff_of_community": lambda: _role_in_community(session, subject.community_id, "staff"),
        "admins_of_street": lambda: _admins_of_street(session, subject.community_id),
        "command_centre": lambda: _command_centre(session, subject.community_id),
        "volunteers_of_community": lambda: _role_in_community(session, subject.community_id, "volunteer"),
        "first_responder": lambda: [subject.first_responder_id],
        "handler_unit": lambda: unit_member_ids(session, subject.handler_unit_id),
    }
    return [user_id for user_id in resolvers[name]() if user_id]


def notify(
    session: Session,
    audience_name: str,
    subject,
    message,
    link: Link | None,
    *,
    kind: str = "notice",
    urgent: bool = False,
) -> None:
    """One message of ``kind`` to an audience of a subject, pointing at ``link``."""
    deliver(session, audience(session, audience_name, subject), Notice(str(message), link, kind, urgent))


def send(
    session: Session, user_id: int, message, link: Link | None, *, kind: str = "notice", urgent: bool = False
) -> None:
    """One message of ``kind`` to one person."""
    deliver(session, [user_id], Notice(str(message), link, kind, urgent))


def deliver(session: Session, user_ids: Iterable[int], notice: Notice) -> None:
    """A notice to these people (each once) through every channel."""
    people = list(dict.fromkeys(user_ids))
    if not people:
        return
    for channel in CHANNELS:
        channel.send(session, people, notice)


def notifications_of(user: User) -> Select:
    """The person's in-app notifications, newest first."""
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def my_notifications(session: Session, user: User, *, page: int = 1, per_page: int = 20) -> Page:
    return paginate(session, notifications_of(user), page=page, per_page=per_page)


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
