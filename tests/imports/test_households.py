"""Households with their members: one row per member, matched by address and name; ID numbers encrypted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage import crypto
from engage.community.models import Household, HouseholdMember
from engage.imports.services import ImportRefused
from tests.factories import DATA_KEY
from tests.imports.conftest import xlsx

HEADER = [
    "住址",
    "微网格",
    "户主姓名",
    "联系电话",
    "户类型",
    "住房类型",
    "户人数",
    "成员姓名",
    "与户主关系",
    "出生年份",
    "身份证号",
    "特殊人群",
]
ID = "11010519491231002X"
HEAD = ["3号楼101室", "1-1微网格", "张建国", "13600004444", "常住户", "自有住房", None]
ROWS = [
    [*HEAD, "张建国", "户主", 1965, ID, "党员、退役军人"],
    [*HEAD, "李秀英", "配偶", 1967, None, None],
    ["4号楼202室", "1-1微网格", "王芳", None, "流动户", "租赁住房", 2, "王芳", "户主", None, None, "低保"],
]


def test_a_good_file_creates_households_and_members(db, place, run_import):
    report = run_import("households", xlsx(HEADER, *ROWS))
    assert (report.created, report.updated, report.unchanged, report.sensitive) == (3, 0, 0, 1)
    zhang = db.session.scalar(select(Household).where(Household.address == "3号楼101室"))
    assert (zhang.head_name, zhang.phone, zhang.household_type, zhang.housing_type, zhang.size) == (
        "张建国",
        "13600004444",
        "permanent",
        "owned",
        2,
    )
    assert zhang.community_id == place.community.id and zhang.micro_grid_id == place.micro_grid.id
    members = {
        m.name: m
        for m in db.session.scalars(select(HouseholdMember).where(HouseholdMember.household_id == zhang.id))
    }
    assert members["张建国"].relation == "head" and members["张建国"].categories == "party_member,veteran"
    assert members["李秀英"].relation == "spouse" and members["李秀英"].birth_year == 1967
    wang = db.session.scalar(select(Household).where(Household.address == "4号楼202室"))
    assert wang.size == 2 and wang.housing_type == "rented"


def test_id_numbers_are_stored_encrypted(db, place, run_import):
    run_import("households", xlsx(HEADER, *ROWS))
    member = db.session.scalar(select(HouseholdMember).where(HouseholdMember.name == "张建国"))
    assert ID not in member.id_number_cipher and crypto.decrypt(DATA_KEY, member.id_number_cipher) == ID
    assert member.id_number_masked == "110105********002X"


def test_re_importing_changes_nothing_and_new_members_join_their_household(db, place, run_import):
    run_import("households", xlsx(HEADER, *ROWS))
    again = run_import("households", xlsx(HEADER, *ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    child = run_import("households", xlsx(HEADER, *ROWS[:2], [*HEAD, "张小明", "子女", 1995, None, None]))
    assert (child.created, child.updated, child.unchanged) == (1, 1, 1)  # the household's size grows
    zhang = db.session.scalar(select(Household).where(Household.address == "3号楼101室"))
    assert zhang.size == 3
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_bad_rows_are_named_and_nothing_is_written(db, place, run_import):
    bad = [
        ROWS[0],
        [*HEAD[:2], "别的户主", *HEAD[3:], "赵六", "子女", None, None, None],
        [*HEAD, "张建国", "户主", 1965, None, None],
        ["5号楼", "没有这个微网格", "孙七", None, None, None, None, "孙七", "户主", None, None, None],
        [
            "6号楼",
            "1-1微网格",
            "周八",
            None,
            "别墅户",
            None,
            None,
            "周八",
            "邻居",
            1800,
            "110105194912310021",
            "富豪",
        ],
    ]
    with pytest.raises(ImportRefused) as refused:
        run_import("households", xlsx(HEADER, *bad))
    reasons = {r.row: r.reason for r in refused.value.report.refusals}
    assert set(reasons) == {3, 4, 5, 6}
    assert "第 2 行" in reasons[3] and "同名成员" in reasons[4] and "没有这个微网格" in reasons[5]
    assert "户类型" in reasons[6]
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0
    assert db.session.scalar(select(func.count()).select_from(HouseholdMember)) == 0
