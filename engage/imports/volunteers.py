"""Volunteers and their past service hours, from the national volunteer system's export.

The export lists one line per volunteer, activity and date; the volunteer's columns repeat
on each of their lines. The phone is the volunteer's key (it is the login), and a line of
hours is matched by phone, date and activity: importing the same export again adds no
hour twice, and a line whose hours were corrected updates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.errors import Invalid
from engage.imports.accounts import accounts_by_phone, check_account, plan_account
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
    reason,
    required,
    same_secret,
    stronger,
    then,
)
from engage.validation import code_or_label, day, decimal, id_number, phone, text
from engage.volunteers.labels import GROUP_NAMES
from engage.volunteers.models import ServiceHours, VolunteerProfile

NAME = Column("姓名", "name", "李志愿", required=True)
PHONE = Column("手机号", "phone", "13900002222", required=True, note=_("11位手机号，即登录账号"))
ID_NUMBER = Column("证件号码", "id_number", "11010519491231002X", note=_("18位身份证号，加密保存"))
GROUP = Column("志愿者类别", "group", "党员", note=_("普通居民、党员、新阶层人士或新就业群体，可不填"))
ACTIVITY = Column("活动名称", "activity", "社区环境清洁", note=_("与服务日期、服务时长同时填写"))
SERVED_ON = Column("服务日期", "served_on", "2024-03-05", note=_("如 2024-03-05"))
HOURS = Column("服务时长（小时）", "hours", "2.5", note=_("0 到 24 之间，可有小数"))
MAX_HOURS = Decimal(24)


@dataclass(frozen=True)
class Line:
    """One row: the volunteer, and optionally one activity's hours."""

    name: str
    phone: str
    id_number: str
    group: str
    activity: str
    served_on: date | None
    minutes: int


class Volunteers(Kind):
    name = "volunteers"
    title = _("志愿者及服务时长")
    columns = (NAME, PHONE, ID_NUMBER, GROUP, ACTIVITY, SERVED_ON, HOURS)
    key_note = _(
        "志愿者按手机号匹配（没有则新建无密码账号）；服务时长按手机号、服务日期和活动名称匹配，"
        "时长不同则更新，已有的不会重复累计。"
    )

    def parse(self, cells: dict[str, str]) -> Line:
        hours_given = [cells.get(c.field, "") for c in (ACTIVITY, SERVED_ON, HOURS)]
        if any(hours_given) and not all(hours_given):
            raise Invalid(str(_("活动名称、服务日期和服务时长需同时填写。")))
        minutes = 0
        if all(hours_given):
            minutes = int(decimal(cells["hours"], HOURS.header, Decimal(0), MAX_HOURS) * 60)
            if minutes <= 0:
                raise Invalid.field(HOURS.header, _("服务时长必须大于0。"))
        return Line(
            text(required(cells, NAME), NAME.header, 50),
            phone(required(cells, PHONE), PHONE.header),
            id_number(cells["id_number"], ID_NUMBER.header) if cells.get("id_number") else "",
            code_or_label(cells["group"], GROUP.header, GROUP_NAMES) if cells.get("group") else "",
            text(cells.get("activity", ""), ACTIVITY.header, 100, required=False),
            day(cells["served_on"], SERVED_ON.header) if all(hours_given) else None,
            minutes,
        )

    def plan(self, context: Context, records: list[tuple[int, Line]]) -> Plan:
        plan = Plan()
        records = first_rows(records, _line_key, plan, _("同一志愿者同日同活动的时长"))
        people = _by_phone(records, plan)
        users = accounts_by_phone(context.session, people)
        ids = [user.id for user in users.values()]
        profiles, hours = _profiles(context.session, ids), _hours(context.session, ids)
        for phone_, rows in people.items():
            user = users.get(phone_)
            _plan_person(context, plan, rows, user, profiles.get(user.id) if user else None, hours)
        plan.changes.sort(key=lambda change: change.row)
        return plan


def _line_key(line: Line) -> tuple:
    """A line of hours is one volunteer's activity on one day; lines without hours only name the volunteer."""
    return (line.phone, line.served_on, line.activity) if line.served_on else (line.phone,)


def _by_phone(records: list[tuple[int, Line]], plan: Plan) -> dict[str, list[tuple[int, Line]]]:
    """Each volunteer's rows; a row contradicting the first one about the person is refused."""
    people: dict[str, list[tuple[int, Line]]] = {}
    for row, line in records:
        rows = people.setdefault(line.phone, [])
        if rows and _person(rows[0][1]) != _person(line):
            plan.refuse(row, _("与第 %(row)d 行同一手机号的志愿者信息不一致。", row=rows[0][0]))
        else:
            rows.append((row, line))
    return people


def _person(line: Line) -> tuple:
    return (line.name, line.id_number, line.group)


class _Person:
    """The volunteer's account and profile as the rows want them; ``user`` is the account once written."""

    def __init__(self, context: Context, user: User | None, profile: VolunteerProfile | None, line: Line):
        self.context, self.user, self.profile, self.line = context, user, profile, line
        self.account = plan_account(
            context, user, phone=line.phone, name=line.name, micro_grid_id=None, role="volunteer"
        )
        new_id = bool(line.id_number) and not (
            profile is not None and same_secret(context.key, profile.id_number_cipher, line.id_number)
        )
        new_group = bool(line.group) and (profile is None or profile.volunteer_group != line.group)
        self.profile_changes = new_id or new_group or (profile is None and self.account.outcome == CREATED)
        self.sensitive = int(new_id)
        self.outcome = self.account.outcome
        if self.outcome == UNCHANGED and self.profile_changes:
            self.outcome = UPDATED

    def write(self) -> None:
        self.user = self.account.write()
        if not self.profile_changes:
            return
        profile = self.profile or VolunteerProfile(
            user=self.user, volunteer_group="resident", availability=""
        )
        if self.line.group:
            profile.volunteer_group = self.line.group
        if self.line.id_number:
            secret = Secret.of(self.context.key, self.line.id_number)
            profile.id_number_cipher, profile.id_number_masked = secret.cipher, secret.masked
        self.context.session.add(profile)


def _plan_person(
    context: Context,
    plan: Plan,
    rows: list[tuple[int, Line]],
    user: User | None,
    profile: VolunteerProfile | None,
    hours: dict[tuple, ServiceHours],
) -> None:
    """The volunteer's first row carries the account; every row carries its hours."""
    first = rows[0][0]
    try:
        check_account(user, rows[0][1].phone, context.community_id)
    except Invalid as error:
        plan.refuse(first, reason(error))
        for row, _line in rows[1:]:
            plan.refuse(row, _("该志愿者的账户无法导入（见第 %(row)d 行）。", row=first))
        return
    person = _Person(context, user, profile, rows[0][1])
    for row, line in rows:
        outcome, write = _plan_hours(person, line, hours)
        if row == first:
            plan.add(row, stronger(outcome, person.outcome), then(person.write, write), person.sensitive)
        else:
            plan.add(row, outcome, write)


def _plan_hours(person: _Person, line: Line, hours: dict[tuple, ServiceHours]):
    """The outcome of the row's hours (unchanged when it has none) and how to write them."""
    if line.served_on is None:
        return UNCHANGED, None
    stored = hours.get((person.user.id, line.served_on, line.activity)) if person.user else None
    if stored is not None:
        if stored.minutes == line.minutes:
            return UNCHANGED, None

        def correct() -> None:
            stored.minutes = line.minutes

        return UPDATED, correct

    def add() -> None:
        person.context.session.add(
            ServiceHours(
                volunteer=person.user, served_on=line.served_on, activity=line.activity, minutes=line.minutes
            )
        )

    return CREATED, add


def _profiles(session: Session, user_ids: list[int]) -> dict[int, VolunteerProfile]:
    found = {}
    for part in chunks(user_ids):
        found.update(
            {
                p.user_id: p
                for p in session.scalars(select(VolunteerProfile).where(VolunteerProfile.user_id.in_(part)))
            }
        )
    return found


def _hours(session: Session, user_ids: list[int]) -> dict[tuple, ServiceHours]:
    found = {}
    for part in chunks(user_ids):
        for entry in session.scalars(select(ServiceHours).where(ServiceHours.volunteer_id.in_(part))):
            found[(entry.volunteer_id, entry.served_on, entry.activity)] = entry
    return found
