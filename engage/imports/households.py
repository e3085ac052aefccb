"""Households with their members (6 必清: 基本户情 and 人口类别), one row per member.

A household is matched by its address in the community, a member by name within the
household; the household's columns repeat on each of its members' rows and must agree.
The household's size is the 户人数 column when given, else the number of members known
(never less than the size already stored). Members' ID numbers are stored encrypted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from engage.community.labels import (
    HOUSEHOLD_TYPE_NAMES,
    HOUSING_TYPE_NAMES,
    MEMBER_CATEGORY_NAMES,
    RELATION_NAMES,
)
from engage.community.models import Household, HouseholdMember
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
    chunks,
    first_rows,
    micro_grids_by_name,
    reason,
    required,
    resolve,
    same_secret,
    stronger,
    then,
)
from engage.validation import code_or_label, id_number, phone, text, whole

MAX_SIZE = 50
ADDRESS = Column("住址", "address", "1号楼1单元101室", required=True)
MICRO_GRID = Column("微网格", "micro_grid", "1-1微网格", required=True, note=_("本社区微网格的名称"))
HEAD = Column("户主姓名", "head_name", "张建国", required=True)
PHONE = Column("联系电话", "phone", "13600004444", note=_("11位手机号"))
HOUSEHOLD_TYPE = Column("户类型", "household_type", "常住户", note=_("常住户、流动户或空挂户"))
HOUSING_TYPE = Column("住房类型", "housing_type", "自有住房", note=_("自有住房、租赁住房、公租房或其他"))
SIZE = Column("户人数", "size", "3", note=_("1 到 50；不填则按已登记的成员数"))
MEMBER = Column("成员姓名", "member", "张建国", required=True)
RELATION = Column(
    "与户主关系", "relation", "户主", required=True, note=_("户主、配偶、子女、父母、孙子女、兄弟姐妹或其他")
)
BIRTH_YEAR = Column("出生年份", "birth_year", "1965", note=_("四位年份"))
ID_NUMBER = Column("身份证号", "id_number", "11010519491231002X", note=_("18位身份证号，加密保存"))
CATEGORIES = Column(
    "特殊人群",
    "categories",
    "党员、退役军人",
    note=_("党员、退役军人、残疾人、低保、独居老人、留守儿童、大病患者，多个用顿号分隔"),
)
SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class HouseholdFacts:
    address: str
    micro_grid: str
    head_name: str
    phone: str
    household_type: str
    housing_type: str
    size: int | None


@dataclass(frozen=True)
class MemberRow:
    household: HouseholdFacts
    name: str
    relation: str
    birth_year: int | None
    id_number: str
    categories: tuple[str, ...] | None  # None: column left blank


class Households(Kind):
    name = "households"
    title = _("住户及成员")
    columns = (
        ADDRESS,
        MICRO_GRID,
        HEAD,
        PHONE,
        HOUSEHOLD_TYPE,
        HOUSING_TYPE,
        SIZE,
        MEMBER,
        RELATION,
        BIRTH_YEAR,
        ID_NUMBER,
        CATEGORIES,
    )
    key_note = _(
        "住户按住址匹配（同一社区内），成员按住户和成员姓名匹配：已有的更新，没有的新建；导入从不删除成员。"
    )

    def parse(self, cells: dict[str, str]) -> MemberRow:
        household = HouseholdFacts(
            text(required(cells, ADDRESS), ADDRESS.header, 200),
            text(required(cells, MICRO_GRID), MICRO_GRID.header, 80),
            text(required(cells, HEAD), HEAD.header, 50),
            phone(cells["phone"], PHONE.header) if cells.get("phone") else "",
            _choice(cells, HOUSEHOLD_TYPE, HOUSEHOLD_TYPE_NAMES),
            _choice(cells, HOUSING_TYPE, HOUSING_TYPE_NAMES),
            _number(cells, SIZE, 1, MAX_SIZE),
        )
        return MemberRow(
            household,
            text(required(cells, MEMBER), MEMBER.header, 50),
            code_or_label(required(cells, RELATION), RELATION.header, RELATION_NAMES),
            _number(cells, BIRTH_YEAR, 1900, 2100),
            id_number(cells["id_number"], ID_NUMBER.header) if cells.get("id_number") else "",
            _categories(cells.get("categories", "")),
        )

    def plan(self, context: Context, records: list[tuple[int, MemberRow]]) -> Plan:
        plan = Plan()
        records = first_rows(records, lambda r: (r.household.address, r.name), plan, _("同一住址的同名成员"))
        groups = _by_address(records, plan)
        micro_grids = micro_grids_by_name(context.session, context.community_id)
        stored = _stored_households(context, groups)
        members = _stored_members(context, [h.id for found in stored.values() for h in found])
        for address, rows in groups.items():
            first = rows[0][0]
            try:
                micro_grid_id = resolve(
                    micro_grids, rows[0][1].household.micro_grid, MICRO_GRID.header, _("微网格")
                )
                if len(stored.get(address, [])) > 1:
                    raise Invalid(str(_("本社区已有多户登记在这个住址，无法匹配。")))
            except Invalid as error:
                plan.refuse(first, reason(error))
                for row, _member in rows[1:]:
                    plan.refuse(row, _("该户无法导入（见第 %(row)d 行）。", row=first))
                continue
            household = (stored.get(address) or [None])[0]
            known = members.get(household.id, {}) if household else {}
            _plan_household(context, plan, rows, household, micro_grid_id, known)
        plan.changes.sort(key=lambda change: change.row)
        return plan


def _choice(cells: dict[str, str], column: Column, names: dict) -> str:
    return code_or_label(cells[column.field], column.header, names) if cells.get(column.field) else ""


def _number(cells: dict[str, str], column: Column, low: int, high: int) -> int | None:
    value = cells.get(column.field, "")
    if not value:
        return None
    return whole(int(value) if value.isdigit() else value, column.header, low, high)


def _categories(value: str) -> tuple[str, ...] | None:
    if not value:
        return None
    return tuple(
        sorted(
            {
                code_or_label(part, CATEGORIES.header, MEMBER_CATEGORY_NAMES)
                for part in SEPARATORS.split(value)
                if part
            }
        )
    )


def _by_address(records: list[tuple[int, MemberRow]], plan: Plan) -> dict[str, list[tuple[int, MemberRow]]]:
    """Each household's rows; a row whose household columns contradict its first row is refused."""
    groups: dict[str, list[tuple[int, MemberRow]]] = {}
    for row, member in records:
        rows = groups.setdefault(member.household.address, [])
        if rows and rows[0][1].household != member.household:
            plan.refuse(row, _("与第 %(row)d 行同一住址的户信息不一致。", row=rows[0][0]))
        else:
            rows.append((row, member))
    return groups


def _stored_households(context: Context, groups: dict) -> dict[str, list[Household]]:
    found: dict[str, list[Household]] = {}
    for part in chunks(groups):
        for household in context.session.scalars(
            select(Household).where(
                Household.community_id == context.community_id, Household.address.in_(part)
            )
        ):
            found.setdefault(household.address, []).append(household)
    return found


def _stored_members(context: Context, household_ids: list[int]) -> dict[int, dict[str, HouseholdMember]]:
    found: dict[int, dict[str, HouseholdMember]] = {}
    for part in chunks(household_ids):
        for member in context.session.scalars(
            select(HouseholdMember).where(HouseholdMember.household_id.in_(part))
        ):
            found.setdefault(member.household_id, {})[member.name] = member
    return found


class _Household:
    """The household as its rows want it; ``row`` is the stored or the new household once written."""

    def __init__(
        self, context: Context, stored: Household | None, facts: HouseholdFacts, micro_grid_id: int, size: int
    ):
        self.context, self.row, self.facts = context, stored, facts
        wanted = {
            "micro_grid_id": micro_grid_id,
            "head_name": facts.head_name,
            "size": size,
            "phone": facts.phone,
            "household_type": facts.household_type,
            "housing_type": facts.housing_type,
        }
        # A blank optional cell leaves what is stored.
        self.values = {name: value for name, value in wanted.items() if value}
        if stored is None:
            self.outcome = CREATED
        elif all(getattr(stored, name) == value for name, value in self.values.items()):
            self.outcome = UNCHANGED
        else:
            self.outcome = UPDATED

    def write(self) -> None:
        if self.row is None:
            self.row = Household(community_id=self.context.community_id, address=self.facts.address)
            self.context.session.add(self.row)
        for name, value in self.values.items():
            setattr(self.row, name, value)


def _plan_household(
    context: Context,
    plan: Plan,
    rows: list[tuple[int, MemberRow]],
    stored: Household | None,
    micro_grid_id: int,
    known: dict[str, HouseholdMember],
) -> None:
    """The household's first row carries the household; every row carries its member."""
    facts = rows[0][1].household
    count = len(known.keys() | {member.name for _row, member in rows})
    size = facts.size or min(MAX_SIZE, max(count, stored.size if stored else 1))
    household = _Household(context, stored, facts, micro_grid_id, size)
    for row, member in rows:
        outcome, write, sensitive = _plan_member(context, household, member, known.get(member.name))
        if row == rows[0][0]:
            plan.add(row, stronger(outcome, household.outcome), then(household.write, write), sensitive)
        else:
            plan.add(row, outcome, write, sensitive)


def _plan_member(context: Context, household: _Household, member: MemberRow, stored: HouseholdMember | None):
    new_id = bool(member.id_number) and not (
        stored is not None and same_secret(context.key, stored.id_number_cipher, member.id_number)
    )
    values = {"relation": member.relation, "birth_year": member.birth_year}
    if member.categories is not None:
        values["categories"] = ",".join(member.categories)
    values = {name: value for name, value in values.items() if value is not None}
    if stored is None:
        outcome = CREATED
    elif not new_id and all(getattr(stored, name) == value for name, value in values.items()):
        return UNCHANGED, None, 0
    else:
        outcome = UPDATED

    def write() -> None:
        row = stored or HouseholdMember(
            household=household.row, community_id=context.community_id, name=member.name, categories=""
        )
        for name, value in values.items():
            setattr(row, name, value)
        if new_id:
            secret = Secret.of(context.key, member.id_number)
            row.id_number_cipher, row.id_number_masked = secret.cipher, secret.masked
        context.session.add(row)

    return outcome, write, int(new_id)
