"""一天一提醒、一周一通报、一月一点评: what ``tick`` does for the 468 duties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Community
from engage.duties.compliance import figures_for_grids
from engage.duties.models import CareTarget, DutyReminder, DutyReport
from engage.errors import Conflict
from engage.notifications.services import Link, send
from engage.periods import last_finished
from engage.persistence import add_unique
from engage.scope import scope_of


def remind_due_visits(session: Session, *, now: datetime, zone: ZoneInfo) -> int:
    """Each worker with visits due by the end of today hears about them once that day."""
    today = now.astimezone(zone).date()
    tomorrow = datetime(today.year, today.month, today.day, tzinfo=zone) + timedelta(days=1)
    due = session.execute(
        select(CareTarget.assigned_worker_id, func.count())
        .where(CareTarget.active.is_(True), CareTarget.next_visit_due <= tomorrow.astimezone(UTC))
        .group_by(CareTarget.assigned_worker_id)
    ).all()
    sent = 0
    for worker_id, count in due:
        try:
            add_unique(session, DutyReminder(user_id=worker_id, day=today), Conflict())
        except Conflict:
            continue
        send(
            session,
            worker_id,
            _("今天有 %(n)d 位走访对象到期或已逾期，请及时走访。", n=count),
            Link("duties.index"),
            kind="reminder",
        )
        sent += 1
    return sent


def generate_reports(session: Session, *, now: datetime, zone: ZoneInfo, stale_days: int) -> int:
    """The last finished week's and month's figures for every community, each kept once (the
    look-up first spares recomputing a kept report on every daily tick)."""
    made = 0
    for kind in ("week", "month"):
        period = last_finished(kind, now, zone)
        for community_id in session.scalars(select(Community.id)):
            if session.scalar(
                select(DutyReport.id).where(
                    DutyReport.community_id == community_id,
                    DutyReport.kind == kind,
                    DutyReport.label == period.label,
                )
            ):
                continue
            result = figures_for_grids(
                session, community_id, period, zone=zone, now=now, stale_days=stale_days
            )
            session.add(
                DutyReport(
                    community_id=community_id,
                    kind=kind,
                    label=period.label,
                    starts_on=period.start.date(),
                    figures=result.as_json(),
                )
            )
            made += 1
    session.flush()
    return made


def kept_reports(session: Session, actor: User, *, newest_first: bool = True) -> list[DutyReport]:
    """The weekly and monthly reports of the communities the caller manages."""
    require_role(actor, *STAFF_ROLES)
    order = DutyReport.starts_on.desc() if newest_first else DutyReport.starts_on
    return list(
        session.scalars(
            select(DutyReport)
            .where(scope_of(session, actor).administered(DutyReport.community_id))
            .order_by(order, DutyReport.kind)
        )
    )
