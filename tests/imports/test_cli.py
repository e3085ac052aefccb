"""``flask engage import`` and ``import-template``: exit codes, counts, refused rows, dry runs."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from engage.auth.models import User
from engage.imports.models import ImportRun
from tests.imports.conftest import csv_file, xlsx

HEADER = ["姓名", "手机号", "微网格"]


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.phone.like("1380000%")))


def test_import_prints_the_counts_and_a_second_run_changes_nothing(app, db, place, tmp_path):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(xlsx(HEADER, ["王小明", "13800001112", "1-1微网格"]))
    args = ["engage", "import", "residents", str(path), "--community-id", str(place.community.id)]
    first = app.test_cli_runner().invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "created 1, updated 0, unchanged 0" in first.output and _count(db) == 1
    second = app.test_cli_runner().invoke(args=args)
    assert second.exit_code == 0 and "created 0, updated 0, unchanged 1" in second.output
    runs = db.session.scalars(select(ImportRun)).all()
    assert len(runs) == 1 and runs[0].actor_id is None and runs[0].filename == "residents.xlsx"


def test_refused_rows_exit_1_one_line_each_and_nothing_is_written(app, db, place, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_bytes(
        csv_file(
            HEADER,
            ["好人", "13800001112", ""],
            ["坏号", "123", ""],
            ["", "13800001113", ""],
            encoding="gb18030",
        )
    )
    result = app.test_cli_runner().invoke(
        args=["engage", "import", "residents", str(path), "--community-id", str(place.community.id)]
    )
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert lines[0].startswith("row 3: 手机号") and lines[1].startswith("row 4: 姓名") and len(lines) == 2
    assert _count(db) == 0


def test_a_dry_run_counts_and_writes_nothing(app, db, place, tmp_path):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(xlsx(HEADER, ["王小明", "13800001112", ""]))
    result = app.test_cli_runner().invoke(
        args=[
            "engage",
            "import",
            "residents",
            str(path),
            "--community-id",
            str(place.community.id),
            "--dry-run",
        ]
    )
    assert result.exit_code == 0 and "would be created 1" in result.output
    assert _count(db) == 0 and db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_an_unknown_community_is_refused(app, place, tmp_path):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(xlsx(HEADER, ["王小明", "13800001112", ""]))
    result = app.test_cli_runner().invoke(
        args=["engage", "import", "residents", str(path), "--community-id", "999999"]
    )
    assert result.exit_code == 1 and "--community-id" in result.output


def test_import_template_writes_each_kind(app, tmp_path):
    for kind, first_header in (
        ("households", "住址*"),
        ("residents", "姓名*"),
        ("volunteers", "姓名*"),
        ("care-targets", "类别*"),
    ):
        out = tmp_path / f"{kind}.xlsx"
        result = app.test_cli_runner().invoke(args=["engage", "import-template", kind, str(out)])
        assert result.exit_code == 0, result.output
        sheet = load_workbook(out).worksheets[0]
        assert sheet["A1"].value == first_header and sheet["A2"].value


def test_a_filled_in_template_imports_and_its_untouched_example_row_is_skipped(app, db, place, tmp_path):
    out = tmp_path / "residents.xlsx"
    app.test_cli_runner().invoke(args=["engage", "import-template", "residents", str(out)])
    book = load_workbook(out)
    book.worksheets[0].append(["新居民", "13800001119", None])
    book.save(out)
    result = app.test_cli_runner().invoke(
        args=["engage", "import", "residents", str(out), "--community-id", str(place.community.id)]
    )
    assert result.exit_code == 0 and "created 1," in result.output
    assert db.session.scalar(select(User.display_name).where(User.phone == "13800001119")) == "新居民"
