"""Telling people what happened to their orders, duties and redemptions.

``notify`` resolves an audience to users and hands each message to every
configured channel. The in-app channel writes a row in the caller's transaction (so
a rolled-back action notifies nobody); an SMS or WeChat channel would implement
``Channel.send`` and be added to ``CHANNELS``. A message points at a page by ``Link``
(a route and its arguments); the page that shows it builds the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User, UserRole
from engage.community.models import Community, Street
from engage.notifications.models import Notification
from engage.pagination import Page, paginate
from engage.units.services import unit_member_ids
from points.base import utcnow


@dataclass(frozen=True)
class Link:
    """The page a message points at: a route (a Flask endpoint) and its arguments."""

    route: str
    args: dict[str, int] = field(default_factory=dict)


class Channel(Protocol):
    def send(self, session: Session, user_id: int, message: str, link: Link | None) -> None: ...


class InAppChannel:
    def send(self, session: Session, user_id: int, message: str, link: Link | None) -> None:
        session.add(
            Notification(
                user_id=user_id,
                message=message[:300],
                route=link.route if link else None,
                route_args=link.args if link else None,
            )
        )


CHANNELS: list[Channel] = [InAppChannel()]


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


def notify(session: Session, audience_name: str, subject, message, link: Link | None) -> None:
    """One message to an audience of a subject, pointing at ``link``."""
    for user_id in audience(session, audience_name, subject):
        send(session, user_id, message, link)


def send(session: Session, user_id: int, message, link: Link | None) -> None:
    """One message to one person, through every channel."""
    for channel in CHANNELS:
        channel.send(session, user_id, str(message), link)


def my_notifications(session: Session, user: User, *, page: int = 1, per_page: int = 20) -> Page:
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    return paginate(session, stmt, page=page, per_page=per_page)


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
