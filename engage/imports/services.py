"""Importing a spreadsheet: preview, confirm, or at once from the command line.

One file is one unit: it is read, every row validated and planned against the database,
and only when no row is refused is anything written, all in the caller's transaction
(a refused row raises ``ImportRefused`` and nothing is flushed). Re-importing the same
file plans every row unchanged and writes nothing. The web flow previews an upload, keeps
the file server-side (``StagedImport``) under a random token bound to the account, and
applies exactly that file on confirmation; the command line applies (or, dry, only plans)
a file directly.

Who imports where: community staff into their community, a street admin into any
community of their street (named by id), the operator on the command line into the
community it names. A community outside the caller's scope is ``NotFound``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Community
from engage.errors import Conflict, Invalid, NotFound
from engage.imports import sheets
from engage.imports.kinds import CREATED, UPDATED, Context, Kind, Plan, Refusal, Target, reason
from engage.imports.models import ImportRun, StagedImport
from engage.imports.registry import KINDS
from engage.scope import scope_of
from engage.validation import storable
from points.base import utcnow

MAX_BYTES = 5 * 1024 * 1024
STAGED_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Report:
    """What a file does (or would do): counts per outcome and every refused row."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    sensitive: int = 0

    @property
    def changes(self) -> int:
        return self.created + self.updated


class ImportRefused(Invalid):
    """At least one row is refused: nothing of the file was written."""

    def __init__(self, report: Report):
        super().__init__(str(_("有 %(n)d 行无法导入，整个文件未导入。", n=len(report.refusals))))
        self.report = report


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(str(_("没有这种导入类型。")))
    return kind


def target_for(session: Session, actor: User, community_id: int | None) -> Target:
    """The community ``actor`` imports into: the one named, else their own; it must be one they administer."""
    require_role(actor, *STAFF_ROLES)
    scope = scope_of(session, actor)
    chosen = community_id or scope.community_id
    if chosen is None:
        raise Invalid.field("community_id", _("请选择导入到哪个社区。"))
    if not scope.administers(chosen):
        raise NotFound()
    return Target(session.get(Community, chosen))


def operator_target(session: Session, community_id: int | None) -> Target:
    """The command line's target: the operator names the community."""
    community = session.get(Community, community_id) if community_id else None
    if community is None:
        raise Invalid.field("community_id", _("请用 --community-id 指定一个存在的社区。"))
    return Target(community)


def assess(context: Context, kind: Kind, data: bytes, filename: str) -> tuple[Report, Plan]:
    """Read and plan a file without writing anything."""
    check_file(data, filename)
    sheet = sheets.read(kind, data, filename)
    plan, records = Plan(refusals=list(sheet.refusals)), []
    for row, cells in sheet.rows:
        try:
            records.append((row, kind.parse(cells)))
        except Invalid as error:
            plan.refuse(row, reason(error))
    planned = kind.plan(context, records)
    plan.changes = planned.changes
    plan.refusals = sorted(plan.refusals + planned.refusals, key=lambda refusal: refusal.row)
    counts = {outcome: sum(1 for c in plan.changes if c.outcome == outcome) for outcome in (CREATED, UPDATED)}
    report = Report(
        kind.name,
        counts[CREATED],
        counts[UPDATED],
        len(plan.changes) - counts[CREATED] - counts[UPDATED],
        plan.refusals,
        sum(c.sensitive for c in plan.changes),
    )
    return report, plan


def check_file(data: bytes, filename: str) -> None:
    if not data:
        raise Invalid.field("file", _("请选择要导入的文件。"))
    if len(data) > MAX_BYTES:
        raise Invalid.field("file", _("文件不能超过5MB，请分成几个文件导入。"))
    storable(filename, "file")


def apply(context: Context, kind: Kind, data: bytes, filename: str, *, actor: User | None) -> Report:
    """Import the file, all or nothing: any refused row raises ``ImportRefused`` before a write.
    A file that changes something is recorded (``ImportRun``)."""
    report, plan = assess(context, kind, data, filename)
    if report.refusals:
        raise ImportRefused(report)
    if not report.changes:
        return report
    for change in plan.changes:
        if change.write is not None:
            change.write()
    context.session.add(
        ImportRun(
            actor_id=actor.id if actor else None,
            kind=kind.name,
            community_id=context.community_id,
            filename=filename[:200],
            digest=hashlib.sha256(data).hexdigest(),
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            sensitive=report.sensitive,
        )
    )
    try:
        with context.session.begin_nested():
            context.session.flush()
    except IntegrityError:
        raise Conflict(str(_("导入期间数据已被他人修改，请重新上传预览。"))) from None
    return report


@dataclass(frozen=True)
class Preview:
    report: Report
    token: str | None  # what the confirm form sends; None when there is nothing to confirm


def preview(
    session: Session,
    actor: User,
    kind_name: str,
    *,
    community_id: int | None,
    data: bytes,
    filename: str,
    key: str,
    zone: ZoneInfo,
) -> Preview:
    """Plan an upload; when it would change something and no row is refused, keep the file for
    confirmation (the account's earlier staged file, if any, is dropped)."""
    kind = kind_named(kind_name)
    target = target_for(session, actor, community_id)
    report, _plan = assess(Context(session, target, key, zone), kind, data, filename)
    if report.refusals or not report.changes:
        return Preview(report, None)
    session.execute(delete(StagedImport).where(StagedImport.actor_id == actor.id))
    token = secrets.token_urlsafe(32)
    session.add(
        StagedImport(
            token_hash=_digest(token),
            actor_id=actor.id,
            kind=kind.name,
            community_id=target.community.id,
            filename=filename[:200],
            content=data,
        )
    )
    session.flush()
    return Preview(report, token)


def confirm(session: Session, actor: User, token: str, *, key: str, zone: ZoneInfo) -> Report:
    """Apply the file staged under ``token`` by this same account (another's token is unknown),
    checking the scope again; the staged file is then dropped."""
    staged = session.scalar(
        select(StagedImport).where(
            StagedImport.token_hash == _digest(token or ""),
            StagedImport.actor_id == actor.id,
            StagedImport.created_at > utcnow() - STAGED_FOR,
        )
    )
    if staged is None:
        raise NotFound(str(_("预览已过期或不存在，请重新上传。")))
    target = target_for(session, actor, staged.community_id)
    report = apply(
        Context(session, target, key, zone),
        kind_named(staged.kind),
        staged.content,
        staged.filename,
        actor=actor,
    )
    session.delete(staged)
    session.flush()
    return report


def recent_runs(session: Session, actor: User, limit: int = 20) -> list[tuple[ImportRun, str | None]]:
    """The imports into the communities the actor administers, newest first, with who ran them."""
    require_role(actor, *STAFF_ROLES)
    return list(
        session.execute(
            select(ImportRun, User.display_name)
            .outerjoin(User, User.id == ImportRun.actor_id)
            .where(scope_of(session, actor).administered(ImportRun.community_id))
            .order_by(ImportRun.id.desc())
            .limit(limit)
        )
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
