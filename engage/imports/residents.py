"""Residents' accounts: name, phone (the login and the key) and micro-grid, no password."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _

from engage.errors import Invalid
from engage.imports.accounts import accounts_by_phone, check_account, plan_account
from engage.imports.kinds import (
    Column,
    Context,
    Kind,
    Plan,
    first_rows,
    micro_grids_by_name,
    reason,
    required,
    resolve,
)
from engage.validation import phone, text

NAME = Column("姓名", "name", "王小明", required=True)
PHONE = Column("手机号", "phone", "13800001111", required=True, note=_("11位手机号，即登录账号"))
MICRO_GRID = Column("微网格", "micro_grid", "1-1微网格", note=_("本社区微网格的名称，可不填"))


@dataclass(frozen=True)
class Resident:
    name: str
    phone: str
    micro_grid: str


class Residents(Kind):
    name = "residents"
    title = _("居民账号")
    columns = (NAME, PHONE, MICRO_GRID)
    key_note = _(
        "按手机号匹配：已有该手机号的本社区居民账号则更新姓名和微网格，否则新建账号（无密码，之后由工作人员设置或短信登录）。"
    )

    def parse(self, cells: dict[str, str]) -> Resident:
        return Resident(
            text(required(cells, NAME), NAME.header, 50),
            phone(required(cells, PHONE), PHONE.header),
            text(cells.get("micro_grid", ""), MICRO_GRID.header, 80, required=False),
        )

    def plan(self, context: Context, records: list[tuple[int, Resident]]) -> Plan:
        plan = Plan()
        records = first_rows(records, lambda r: r.phone, plan, _("手机号"))
        users = accounts_by_phone(context.session, (r.phone for _row, r in records))
        micro_grids = micro_grids_by_name(context.session, context.community_id)
        for row, record in records:
            try:
                user = users.get(record.phone)
                check_account(user, record.phone, context.community_id)
                micro_grid_id = (
                    resolve(micro_grids, record.micro_grid, MICRO_GRID.header, _("微网格"))
                    if record.micro_grid
                    else None
                )
            except Invalid as error:
                plan.refuse(row, reason(error))
                continue
            account = plan_account(
                context,
                user,
                phone=record.phone,
                name=record.name,
                micro_grid_id=micro_grid_id,
                role="resident",
            )
            plan.add(row, account.outcome, account.write)
        return plan
