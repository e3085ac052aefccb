"""Writing and reading the security and privacy records."""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, event, or_, select
from sqlalchemy.orm import Session

from engage.audit.models import AccessLog, AuthEvent
from engage.auth.models import User
from engage.auth.permissions import require_role
from engage.scope import scope_of

log = logging.getLogger("engage.security")

# Where the request's unit of work finds the records it writes whatever the outcome:
# a refused action or a read of personal data happened even when the request fails.
KEPT_RECORDS = "engage.kept_records"


def keep(session: Session, row: AuthEvent | AccessLog) -> None:
    session.add(row)
    session.info.setdefault(KEPT_RECORDS, []).append(row)


@event.listens_for(Session, "after_commit")
def _written(session: Session) -> None:
    """Committed records need no keeping (and a long CLI session does not collect them)."""
    session.info.pop(KEPT_RECORDS, None)


def record_auth_event(
    session: Session,
    event: str,
    *,
    user: User | None = None,
    username: str | None = None,
    ip: str | None = None,
    detail: str | None = None,
) -> AuthEvent:
    """Log to the database and to the ``engage.security`` logger (for the SIEM)."""
    row = AuthEvent(
        event=event,
        user_id=user.id if user else None,
        username=username or (user.username if user else None),
        ip=ip,
        detail=(detail or "")[:300] or None,
    )
    keep(session, row)
    log.info("auth event=%s user=%s ip=%s detail=%s", event, row.username, ip, detail)
    return row


def record_access(session: Session, actor: User, subject: str, purpose: str) -> None:
    """Every read of a full personal record leaves one row (docs/design.md rule 5, personal data)."""
    keep(session, AccessLog(actor_id=actor.id, subject=subject, purpose=purpose))


def _of_admins_street(session: Session, actor: User) -> ColumnElement[bool]:
    """Accounts of the admin's street: its own staff and admins, and every community's people.
    Events of a name that matches no account belong to no street and are shown to none."""
    scope = scope_of(session, actor)
    return or_(User.street_id == scope.street_id, scope.administered(User.community_id))


def recent_auth_events(session: Session, actor: User, limit: int = 200) -> list[AuthEvent]:
    """Street admins review logins, lockouts and refused actions of their street's accounts."""
    require_role(actor, "admin")
    return list(
        session.scalars(
            select(AuthEvent)
            .join(User, AuthEvent.user_id == User.id)
            .where(_of_admins_street(session, actor))
            .order_by(AuthEvent.id.desc())
            .limit(limit)
        )
    )


def recent_access(session: Session, actor: User, limit: int = 200) -> list[tuple[AccessLog, User]]:
    """Who of the admin's street read which personal record, newest first."""
    require_role(actor, "admin")
    return list(
        session.execute(
            select(AccessLog, User)
            .join(User, AccessLog.actor_id == User.id)
            .where(_of_admins_street(session, actor))
            .order_by(AccessLog.id.desc())
            .limit(limit)
        )
    )
