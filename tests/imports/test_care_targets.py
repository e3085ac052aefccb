"""Care targets (8 必访): matched by category, name and address; ID numbers and restricted notes encrypted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.duties import care
from engage.duties.models import CareTarget
from engage.imports.services import ImportRefused
from tests.factories import DATA_KEY
from tests.imports.conftest import second_grid, xlsx

HEADER = ["类别", "姓名", "住址", "联系电话", "身份证号", "网格", "责任网格员", "走访频次", "情况说明"]
ID = "11010519491231002X"
ROWS = [
    ["独居老人", "赵大爷", "1号楼101室", "13700003333", ID, "第1网格", None, "每周", "腿脚不便"],
    ["信访人员", "钱某", "2号楼202室", None, None, "第1网格", "13911110000", None, "多次到区信访"],
]


def test_a_good_file_registers_targets_with_their_worker_and_schedule(db, place, run_import):
    report = run_import("care-targets", xlsx(HEADER, *ROWS))
    assert (report.created, report.updated, report.unchanged, report.sensitive) == (2, 0, 0, 2)
    zhao = db.session.scalar(select(CareTarget).where(CareTarget.name == "赵大爷"))
    assert (zhao.category, zhao.frequency, zhao.grid_id, zhao.assigned_worker_id) == (
        "elderly_alone",
        "week",
        place.grid.id,
        place.worker.id,
    )
    assert zhao.community_id == place.community.id and zhao.next_visit_due is not None
    assert zhao.notes == "腿脚不便" and zhao.notes_cipher is None


def test_sensitive_columns_are_ciphertext_in_the_database_and_plain_through_the_service(
    db, place, run_import
):
    run_import("care-targets", xlsx(HEADER, *ROWS))
    qian = db.session.scalar(select(CareTarget).where(CareTarget.name == "钱某"))
    assert qian.notes == "" and "信访" not in qian.notes_cipher
    zhao = db.session.scalar(select(CareTarget).where(CareTarget.name == "赵大爷"))
    assert ID not in zhao.id_number_cipher
    record = care.open_record(db.session, place.worker, qian.id, "test", key=DATA_KEY)
    assert record.notes == "多次到区信访"
    assert care.open_record(db.session, place.worker, zhao.id, "test", key=DATA_KEY).id_number == ID


def test_re_importing_changes_nothing_and_a_moved_target_is_updated(db, place, run_import):
    run_import("care-targets", xlsx(HEADER, *ROWS))
    again = run_import("care-targets", xlsx(HEADER, *ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    grid = second_grid(db, place)
    moved = run_import("care-targets", xlsx(HEADER, [*ROWS[0][:5], "第2网格", "13911110000", "每月", None]))
    assert (moved.created, moved.updated) == (0, 1)
    zhao = db.session.scalar(select(CareTarget).where(CareTarget.name == "赵大爷"))
    assert (zhao.grid_id, zhao.frequency, zhao.notes) == (grid.id, "month", "腿脚不便")


def test_bad_rows_are_named_and_nothing_is_written(db, place, run_import):
    second_grid(db, place)  # a grid without a worker
    bad = [
        ROWS[0],
        ["孤寡老人", "孙", "3号楼", None, None, "第1网格", None, None, None],
        ["独居老人", "周", "4号楼", None, None, "第9网格", None, None, None],
        ["独居老人", "吴", "5号楼", None, None, "第2网格", None, None, None],
        ["独居老人", "郑", "6号楼", None, None, "第1网格", "nobody", "每天", None],
        ROWS[0],
    ]
    with pytest.raises(ImportRefused) as refused:
        run_import("care-targets", xlsx(HEADER, *bad))
    reasons = {r.row: r.reason for r in refused.value.report.refusals}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "类别" in reasons[3] and "第9网格" in reasons[4] and "还没有网格员" in reasons[5]
    assert "走访频次" in reasons[6] and "第 2 行" in reasons[7]
    assert db.session.scalar(select(func.count()).select_from(CareTarget)) == 0
