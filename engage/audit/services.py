"""Writing and reading the security and privacy records."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.audit.models import AccessLog, AuthEvent
from engage.auth.models import User
from engage.auth.permissions import require_role

log = logging.getLogger("engage.security")

# Where the request's unit of work finds the records it writes whatever the outcome:
# a refused action or a read of personal data happened even when the request fails.
KEPT_RECORDS = "engage.kept_records"


def keep(session: Session, row: AuthEvent | AccessLog) -> None:
    session.add(row)
    session.info.setdefault(KEPT_RECORDS, []).append(row)


def record_auth_event(session: Session, event: str, *, user: User | None = None,
                      username: str | None = None, ip: str | None = None,
                      detail: str | None = None) -> AuthEvent:
    """Log to the database and to the ``engage.security`` logger (for the SIEM)."""
    row = AuthEvent(event=event, user_id=user.id if user else None,
                    username=username or (user.username if user else None), ip=ip,
                    detail=(detail or "")[:300] or None)
    keep(session, row)
    log.info("auth event=%s user=%s ip=%s detail=%s", event, row.username, ip, detail)
    return row


def record_access(session: Session, actor: User, subject: str, purpose: str) -> None:
    """Every read of a full personal record leaves one row (docs/design.md rule 5, personal data)."""
    keep(session, AccessLog(actor_id=actor.id, subject=subject, purpose=purpose))


def recent_auth_events(session: Session, actor: User, limit: int = 200) -> list[AuthEvent]:
    """Street admins review logins, lockouts and refused actions."""
    require_role(actor, "admin")
    return list(session.scalars(select(AuthEvent).order_by(AuthEvent.id.desc()).limit(limit)))


def recent_access(session: Session, actor: User, limit: int = 200) -> list[tuple[AccessLog, User]]:
    """Who read which personal record, newest first (admins only)."""
    require_role(actor, "admin")
    return list(session.execute(select(AccessLog, User).join(User, AccessLog.actor_id == User.id)
                                .order_by(AccessLog.id.desc()).limit(limit)))
