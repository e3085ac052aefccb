"""8 必访: care targets, who may see them, and the visits that keep them from going overdue.

Who sees what (docs/design.md rule 5, personal data): the assigned grid worker sees their own targets;
community staff and street admins see their communities' — except the restricted
categories (精神病人, 信访人员, 信教群众), which besides the assigned worker only users
granted that category see. Everyone else gets nothing. Lists are masked; opening a full
record decrypts it and writes an access-log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from engage import crypto
from engage.audit.services import record_access
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.community.models import Grid, Household
from engage.duties.models import (
    CATEGORIES,
    FREQUENCIES,
    RESTRICTED,
    VISIT_KINDS,
    CarePolicy,
    CareTarget,
    SensitiveGrant,
    Visit,
)
from engage.duties.schedule import DEFAULT_FREQUENCY, next_due
from engage.errors import Forbidden, Invalid, NotFound
from engage.orders.services import place_order
from engage.persistence import upsert
from engage.privacy import mask_id_number, mask_name, mask_phone
from engage.scope import scope_of
from engage.validation import text, whole
from points.base import utcnow

DUTY_ROLES = ("grid_worker", *STAFF_ROLES)


def granted_categories(session: Session, actor: User) -> set[str]:
    return set(session.scalars(select(SensitiveGrant.category).where(SensitiveGrant.user_id == actor.id)))


def visible_targets(session: Session, actor: User) -> Select:
    """The select of every care target the actor may see; other roles are refused."""
    if not actor.has_role(*DUTY_ROLES):
        raise Forbidden()
    mine = CareTarget.assigned_worker_id == actor.id
    if not actor.has_role(*STAFF_ROLES):
        return select(CareTarget).where(mine, CareTarget.active.is_(True))
    allowed = [c for c in CATEGORIES if c not in RESTRICTED] + sorted(granted_categories(session, actor))
    return select(CareTarget).where(
        CareTarget.active.is_(True),
        or_(
            mine,
            and_(
                scope_of(session, actor).administered(CareTarget.community_id),
                CareTarget.category.in_(allowed),
            ),
        ),
    )


def target_list(
    session: Session,
    actor: User,
    *,
    overdue: bool = False,
    due_before: datetime | None = None,
    now: datetime | None = None,
) -> Select:
    stmt = visible_targets(session, actor)
    if overdue:
        stmt = stmt.where(CareTarget.next_visit_due <= (now or utcnow()))
    if due_before is not None:
        stmt = stmt.where(CareTarget.next_visit_due <= due_before)
    return stmt.order_by(CareTarget.next_visit_due, CareTarget.id)


def _visible(session: Session, actor: User, target_id: int) -> CareTarget:
    target = session.scalar(visible_targets(session, actor).where(CareTarget.id == target_id))
    if target is None:
        raise NotFound()
    return target


@dataclass(frozen=True)
class FullRecord:
    target: CareTarget
    id_number: str | None
    notes: str
    visits: list[tuple[Visit, str]]


def open_record(session: Session, actor: User, target_id: int, purpose: str, *, key: str) -> FullRecord:
    """The unmasked record with its visit log (``key`` decrypts it); the read is written to the access log."""
    target = _visible(session, actor, target_id)
    record_access(session, actor, f"care_target:{target.id}", purpose)
    visits = session.scalars(
        select(Visit).where(Visit.target_id == target.id).order_by(Visit.visited_at.desc(), Visit.id.desc())
    ).all()
    return FullRecord(
        target,
        _decrypt(key, target.id_number_cipher),
        secret_or_plain(key, target.notes_cipher, target.notes),
        [(visit, secret_or_plain(key, visit.found_cipher, visit.found)) for visit in visits],
    )


def _decrypt(key: str, cipher: str | None) -> str | None:
    return crypto.decrypt(key, cipher) if cipher else None


def secret_or_plain(key: str, cipher: str | None, plain: str) -> str:
    """A note as written: decrypted where it was stored encrypted."""
    return crypto.decrypt(key, cipher) if cipher else plain


def store_note(key: str, category: str, value: str) -> tuple[str, str | None]:
    """The plain and encrypted columns for a note: restricted categories never keep plain text."""
    return ("", crypto.encrypt(key, value)) if category in RESTRICTED and value else (value, None)


def policy_frequencies(session: Session, community_ids: set[int]) -> dict[tuple[int, str], str]:
    """(community, category) → frequency for these communities, the defaults filled in."""
    stored = {
        (p.community_id, p.category): p.frequency
        for p in session.scalars(select(CarePolicy).where(CarePolicy.community_id.in_(community_ids)))
    }
    return {
        (c, category): stored.get((c, category), DEFAULT_FREQUENCY[category])
        for c in community_ids
        for category in CATEGORIES
    }


def frequency_of(session: Session, target: CareTarget) -> str:
    """One target's frequency: its own, else its community's for the category, else the default."""
    if target.frequency:
        return target.frequency
    policy = session.get(CarePolicy, (target.community_id, target.category))
    return policy.frequency if policy else DEFAULT_FREQUENCY[target.category]


def register_target(
    session: Session,
    actor: User,
    *,
    grid_id,
    category: str,
    name: str,
    zone: ZoneInfo,
    phone: str = "",
    address: str = "",
    id_number: str = "",
    notes: str = "",
    frequency: str | None = None,
    assigned_worker_id=None,
    household_id=None,
    key: str,
) -> CareTarget:
    """Staff put a person on the register; the grid's worker is assigned unless another is named
    (``key`` encrypts the ID number and a restricted category's notes)."""
    if not actor.has_role(*STAFF_ROLES):
        raise Forbidden()
    if category not in CATEGORIES:
        raise Invalid.field("category", _("未知的走访类别。"))
    if frequency and frequency not in FREQUENCIES:
        raise Invalid.field("frequency", _("未知的走访频次。"))
    grid = session.get(Grid, whole(grid_id, "grid_id", 1, 2**31 - 1))
    if grid is None or not scope_of(session, actor).administers(grid.community_id):
        raise Invalid.field("grid_id", _("请选择本社区的网格。"))
    worker = session.get(User, assigned_worker_id or grid.grid_worker_id or 0)
    if worker is None or not worker.has_role("grid_worker") or worker.community_id != grid.community_id:
        raise Invalid.field("assigned_worker_id", _("请指定本社区的网格员。"))
    household = session.get(Household, household_id) if household_id else None
    if household_id and (household is None or household.community_id != grid.community_id):
        raise Invalid.field("household_id", _("未知的住户。"))
    plain, cipher = store_note(key, category, text(notes, "notes", 2000, required=False))
    target = CareTarget(
        community_id=grid.community_id,
        grid_id=grid.id,
        household_id=household_id or None,
        assigned_worker_id=worker.id,
        category=category,
        name=text(name, "name", 50),
        phone=text(phone, "phone", 11, required=False) or None,
        address=text(address, "address", 200, required=False),
        id_number_cipher=(
            crypto.encrypt(key, id_number.strip().upper()) if id_number and id_number.strip() else None
        ),
        notes=plain,
        notes_cipher=cipher,
        frequency=frequency or None,
        next_visit_due=utcnow(),
    )
    session.add(target)
    session.flush()
    target.next_visit_due = next_due(None, frequency_of(session, target), zone, now=utcnow())
    session.flush()
    return target


def record_visit(
    session: Session,
    actor: User,
    target_id: int,
    *,
    visited_at: datetime,
    kind: str,
    found: str = "",
    follow_up: str = "",
    zone: ZoneInfo,
    order_category: str | None = None,
    order_title: str = "",
    order_for: int | None = None,
    key: str,
) -> Visit:
    """A visit by the assigned worker (or staff); the next due date moves on. A need found on
    the visit can become a service order on a resident's behalf (代诉), linked to the visit.
    Another worker of the same community is told plainly that the target is not theirs."""
    other = session.get(CareTarget, target_id)
    if (
        other is not None
        and actor.has_role("grid_worker")
        and not actor.has_role(*STAFF_ROLES)
        and other.community_id == scope_of(session, actor).community_id
        and other.assigned_worker_id != actor.id
    ):
        raise Forbidden(str(_("该走访对象不是分配给您的。")))
    target = _visible(session, actor, target_id)
    if not isinstance(visited_at, datetime) or visited_at.tzinfo is None:
        raise Invalid.field("visited_at", _("需要带时区的走访时间。"))
    if visited_at > utcnow():
        raise Invalid.field("visited_at", _("走访时间不能晚于现在。"))
    if kind not in VISIT_KINDS:
        raise Invalid.field("kind", _("未知的走访方式。"))
    plain, cipher = store_note(key, target.category, text(found, "notes", 2000, required=False))
    visit = Visit(
        target_id=target.id,
        worker_id=actor.id,
        visited_at=visited_at,
        kind=kind,
        found=plain,
        found_cipher=cipher,
        follow_up=text(follow_up, "follow_up", 500, required=False),
    )
    if order_category:
        visit.order_id = place_order(
            session,
            actor,
            category=order_category,
            title=order_title,
            on_behalf_of=order_for,
            channel="grid_worker",
            micro_grid_id=_micro_grid_of(session, target),
        ).id
    session.add(visit)
    session.flush()
    due = next_due(visited_at, frequency_of(session, target), zone, now=utcnow())
    _move_on(session, target, visited_at, due)
    return visit


def _move_on(session: Session, target: CareTarget, visited_at: datetime, due: datetime) -> None:
    """Only a later visit moves the dates on, by a conditional UPDATE: of visits recorded at
    once, the latest wins whichever commits last."""
    session.execute(
        update(CareTarget)
        .where(
            CareTarget.id == target.id,
            CareTarget.last_visited_at.is_(None) | (CareTarget.last_visited_at < visited_at),
        )
        .values(last_visited_at=visited_at, next_visit_due=due)
        .execution_options(synchronize_session=False)
    )
    session.refresh(target)


def set_policy(session: Session, actor: User, category: str, frequency: str, *, zone: ZoneInfo) -> CarePolicy:
    """Staff set how often a category is visited in their community; due dates follow at once
    for every target of that category without a personal frequency."""
    if not actor.has_role(*STAFF_ROLES):
        raise Forbidden()
    if category not in CATEGORIES:
        raise Invalid.field("category", _("未知的走访类别。"))
    if frequency not in FREQUENCIES:
        raise Invalid.field("frequency", _("未知的走访频次。"))
    community_id = scope_of(session, actor).community_id
    policy = upsert(
        session, CarePolicy, {"community_id": community_id, "category": category}, {"frequency": frequency}
    )
    for target in session.scalars(
        select(CareTarget).where(
            CareTarget.community_id == community_id,
            CareTarget.category == category,
            CareTarget.frequency.is_(None),
        )
    ):
        target.next_visit_due = next_due(target.last_visited_at, frequency, zone, now=target.created_at)
    session.flush()
    return policy


def policies(session: Session, actor: User) -> dict[str, str]:
    """Every category's frequency in the caller's community, defaults filled in."""
    return {
        category: frequency
        for (_c, category), frequency in policy_frequencies(
            session, {scope_of(session, actor).community_id}
        ).items()
    }


def _micro_grid_of(session: Session, target: CareTarget) -> int | None:
    household = session.get(Household, target.household_id) if target.household_id else None
    return household.micro_grid_id if household else None


def grant_category(session: Session, actor: User, user_id: int, category: str) -> SensitiveGrant:
    """Street admins let a named colleague see one restricted category."""
    if not actor.has_role("admin"):
        raise Forbidden()
    if category not in RESTRICTED:
        raise Invalid.field("category", _("只有受限类别需要授权。"))
    user = session.get(User, user_id)
    if user is None or not scope_of(session, actor).administers(user.community_id):
        raise NotFound()
    return upsert(
        session, SensitiveGrant, {"user_id": user.id, "category": category}, new={"granted_by_id": actor.id}
    )


def masked(target: CareTarget, now: datetime) -> dict:
    return {
        "id": target.id,
        "category": target.category,
        "name": mask_name(target.name),
        "phone": mask_phone(target.phone),
        "grid_id": target.grid_id,
        "next_visit_due": target.next_visit_due.isoformat(),
        "overdue": target.next_visit_due <= now,
    }


def full(record: FullRecord, now: datetime) -> dict:
    target = record.target
    return {
        **masked(target, now),
        "name": target.name,
        "phone": target.phone,
        "address": target.address,
        "id_number": record.id_number,
        "id_number_masked": mask_id_number(record.id_number),
        "notes": record.notes,
        "assigned_worker_id": target.assigned_worker_id,
        "last_visited_at": target.last_visited_at.isoformat() if target.last_visited_at else None,
        "visits": [
            {
                "id": v.id,
                "visited_at": v.visited_at.isoformat(),
                "kind": v.kind,
                "found": found,
                "follow_up": v.follow_up,
            }
            for v, found in record.visits
        ],
    }
