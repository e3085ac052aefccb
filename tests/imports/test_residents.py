"""Residents' accounts: created without a password, matched by phone, never another community's or staff's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.auth.models import User
from engage.auth.passwords import verify_password
from engage.imports.services import ImportRefused
from tests.imports.conftest import csv_file, xlsx

HEADER = ["姓名", "手机号", "微网格"]


def test_a_good_file_creates_accounts_that_cannot_log_in_yet(db, place, run_import):
    report = run_import(
        "residents", xlsx(HEADER, ["王小明", 13800001112, "1-1微网格"], ["李四", "138-0000-1113", None])
    )
    assert (report.created, report.updated, report.unchanged, report.refusals) == (2, 0, 0, [])
    wang = db.session.scalar(select(User).where(User.phone == "13800001112"))
    assert wang.username == "13800001112" and wang.display_name == "王小明" and wang.roles == ["resident"]
    assert wang.community_id == place.community.id and wang.micro_grid_id == place.micro_grid.id
    assert wang.password_hash.startswith("!") and not verify_password(wang.password_hash, "")
    assert db.session.scalar(select(User.micro_grid_id).where(User.phone == "13800001113")) is None


def test_re_importing_changes_nothing_and_a_changed_row_updates(db, place, run_import):
    data = csv_file(HEADER, ["王小明", "13800001112", "1-1微网格"])
    run_import("residents", data, "f.csv")
    again = run_import("residents", data, "f.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    renamed = run_import("residents", csv_file(HEADER, ["王晓明", "13800001112", ""]), "f.csv")
    assert (renamed.created, renamed.updated) == (0, 1)
    user = db.session.scalar(select(User).where(User.phone == "13800001112"))
    assert user.display_name == "王晓明" and user.micro_grid_id == place.micro_grid.id  # blank keeps it


def test_bad_rows_are_named_and_nothing_is_written(db, make, place, run_import):
    make.user("resident", community=place.other, phone="13800009999")
    before = db.session.scalar(select(func.count()).select_from(User))
    data = xlsx(
        HEADER,
        ["好人", "13800001112", ""],
        ["", "13800001114", ""],
        ["坏号", "1234", ""],
        ["重复", "13800001112", ""],
        ["别处", "13800009999", ""],
        ["无网格", "13800001115", "不存在微网格"],
        ["同事", place.worker.phone, ""],
    )
    with pytest.raises(ImportRefused) as refused:
        run_import("residents", data)
    reasons = {r.row: r.reason for r in refused.value.report.refusals}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "姓名" in reasons[3] and "手机号码" in reasons[4] and "第 2 行" in reasons[5]
    assert "其他社区" in reasons[6] and "不存在微网格" in reasons[7] and "工作人员" in reasons[8]
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_a_file_missing_a_required_column_is_refused_at_row_1(db, place, run_import):
    with pytest.raises(ImportRefused) as refused:
        run_import("residents", xlsx(["姓名", "电话"], ["王小明", "13800001112"]))
    assert [(r.row, r.reason) for r in refused.value.report.refusals] == [(1, "缺少列：手机号")]
