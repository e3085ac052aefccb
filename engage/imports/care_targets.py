"""Care targets (8 必访): category, person, grid, assigned worker, visit frequency.

A target is matched by category, name and address in the community. The ID number, and
the notes of the restricted categories (精神病人, 信访人员, 信教群众), are stored encrypted
exactly as the care register stores them (engage.duties.care).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from engage.auth.models import User, UserRole
from engage.community.models import Grid
from engage.duties.care import policy_frequencies, secret_or_plain, store_note
from engage.duties.labels import CARE_CATEGORY_NAMES, FREQUENCY_NAMES
from engage.duties.models import RESTRICTED, CareTarget
from engage.duties.schedule import next_due
from engage.errors import Invalid
from engage.imports.kinds import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    Context,
    Kind,
    Plan,
    Secret,
    first_rows,
    reason,
    required,
    resolve,
    same_secret,
)
from engage.validation import code_or_label, id_number, phone, text
from points.base import utcnow

CATEGORY = Column(
    "类别",
    "category",
    "独居老人",
    required=True,
    note=_("困难群众、独居老人、留守儿童、问题少年、残疾人家庭、精神病人、信访人员或信教群众"),
)
NAME = Column("姓名", "name", "赵大爷", required=True)
ADDRESS = Column("住址", "address", "1号楼1单元01室", required=True)
PHONE = Column("联系电话", "phone", "13700003333", note=_("11位手机号"))
ID_NUMBER = Column("身份证号", "id_number", "11010519491231002X", note=_("18位身份证号，加密保存"))
GRID = Column("网格", "grid", "第1网格", required=True, note=_("本社区网格的名称"))
WORKER = Column("责任网格员", "worker", "", note=_("网格员的手机号或用户名；不填则为该网格的网格员"))
FREQUENCY = Column("走访频次", "frequency", "每周", note=_("每周、每月或每季度；不填则按类别默认"))
NOTES = Column("情况说明", "notes", "", note=_("精神病人、信访人员、信教群众的情况说明加密保存"))


@dataclass(frozen=True)
class CareRow:
    category: str
    name: str
    address: str
    phone: str
    id_number: str
    grid: str
    worker: str
    frequency: str
    notes: str


class CareTargets(Kind):
    name = "care-targets"
    title = _("8必访走访对象")
    columns = (CATEGORY, NAME, ADDRESS, PHONE, ID_NUMBER, GRID, WORKER, FREQUENCY, NOTES)
    key_note = _("按类别、姓名和住址匹配：已登记的走访对象更新其余各项，否则新登记。")

    def parse(self, cells: dict[str, str]) -> CareRow:
        return CareRow(
            code_or_label(required(cells, CATEGORY), CATEGORY.header, CARE_CATEGORY_NAMES),
            text(required(cells, NAME), NAME.header, 50),
            text(required(cells, ADDRESS), ADDRESS.header, 200),
            phone(cells["phone"], PHONE.header) if cells.get("phone") else "",
            id_number(cells["id_number"], ID_NUMBER.header) if cells.get("id_number") else "",
            text(required(cells, GRID), GRID.header, 80),
            text(cells.get("worker", ""), WORKER.header, 64, required=False),
            code_or_label(cells["frequency"], FREQUENCY.header, FREQUENCY_NAMES)
            if cells.get("frequency")
            else "",
            text(cells.get("notes", ""), NOTES.header, 2000, required=False),
        )

    def plan(self, context: Context, records: list[tuple[int, CareRow]]) -> Plan:
        plan = Plan()
        records = first_rows(records, _key, plan, _("同一类别、姓名和住址"))
        session, community_id = context.session, context.community_id
        grids = {}
        for grid in session.scalars(select(Grid).where(Grid.community_id == community_id)):
            grids[grid.name] = None if grid.name in grids else grid
        workers = _workers(context)
        stored: dict[tuple, list[CareTarget]] = {}
        for target in session.scalars(select(CareTarget).where(CareTarget.community_id == community_id)):
            stored.setdefault((target.category, target.name, target.address), []).append(target)
        defaults = policy_frequencies(session, {community_id})
        for row, record in records:
            try:
                grid = resolve(grids, record.grid, GRID.header, _("网格"))
                worker_id = _worker(workers, record.worker, grid)
                existing = stored.get(_key(record), [])
                if len(existing) > 1:
                    raise Invalid(str(_("本社区已有多条相同类别、姓名和住址的走访对象，无法匹配。")))
            except Invalid as error:
                plan.refuse(row, reason(error))
                continue
            frequency = record.frequency or defaults[(community_id, record.category)]
            _plan_target(
                context, plan, row, record, grid, worker_id, existing[0] if existing else None, frequency
            )
        return plan


def _key(record: CareRow) -> tuple:
    return (record.category, record.name, record.address)


def _workers(context: Context) -> dict[str, int]:
    """The community's grid workers by phone and by username."""
    found = {}
    for user in context.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.community_id == context.community_id, UserRole.role == "grid_worker", User.is_active)
    ):
        found.update({value: user.id for value in (user.username, user.phone) if value})
    return found


def _worker(workers: dict[str, int], named: str, grid: Grid) -> int:
    if named:
        if named not in workers:
            raise Invalid.field(
                WORKER.header, _("本社区没有手机号或用户名为“%(name)s”的网格员。", name=named)
            )
        return workers[named]
    if grid.grid_worker_id is None:
        raise Invalid.field(WORKER.header, _("该网格还没有网格员，请填写责任网格员。"))
    return grid.grid_worker_id


def _plan_target(
    context: Context,
    plan: Plan,
    row: int,
    record: CareRow,
    grid: Grid,
    worker_id: int,
    stored: CareTarget | None,
    frequency: str,
) -> None:
    """Compare with the stored target (decrypting what is encrypted) and plan the write."""
    note_changes = bool(record.notes) and (
        stored is None or secret_or_plain(context.key, stored.notes_cipher, stored.notes) != record.notes
    )
    id_changes = bool(record.id_number) and not (
        stored is not None and same_secret(context.key, stored.id_number_cipher, record.id_number)
    )
    sensitive = int(id_changes) + int(note_changes and record.category in RESTRICTED)
    if stored is None:
        outcome = CREATED
    elif (
        not note_changes
        and not id_changes
        and stored.grid_id == grid.id
        and stored.assigned_worker_id == worker_id
        and (not record.phone or stored.phone == record.phone)
        and (not record.frequency or stored.frequency == record.frequency)
    ):
        outcome = UNCHANGED
    else:
        outcome = UPDATED

    def write() -> None:
        target = stored or CareTarget(
            community_id=context.community_id,
            category=record.category,
            name=record.name,
            address=record.address,
            notes="",
            created_at=utcnow(),
        )
        target.grid_id, target.assigned_worker_id = grid.id, worker_id
        if record.phone:
            target.phone = record.phone
        if id_changes:
            target.id_number_cipher = Secret.of(context.key, record.id_number).cipher
        if note_changes:
            target.notes, target.notes_cipher = store_note(context.key, record.category, record.notes)
        if record.frequency:
            target.frequency = record.frequency
        if stored is None or record.frequency:
            target.next_visit_due = next_due(
                target.last_visited_at, frequency, context.zone, now=target.created_at
            )
        context.session.add(target)

    plan.add(row, outcome, write, sensitive)
