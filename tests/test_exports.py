"""Excel exports write user text as text: never a live formula, whatever it starts with."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engage.exports import workbook_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "洗衣液"]
)
def test_user_text_is_a_text_cell_never_a_formula(text):
    sheet = load_workbook(BytesIO(workbook_bytes("表", ("名称", "数量"), [(text, -3)]))).active
    cell, number = sheet["A2"], sheet["B2"]
    assert (cell.value, cell.data_type) == (text.replace("\r", "\n"), "s")  # XML reads CR as LF
    assert cell.quotePrefix == (text[0] in "=+-@\t\r")
    assert (number.value, number.data_type) == (-3, "n")


def test_every_export_goes_through_the_one_helper():
    """A new export that called openpyxl itself would bypass ``as_cell``; the one other user of
    openpyxl reads uploaded sheets (imports) and writes nothing."""
    uses = re.compile(r"^(from|import) openpyxl", re.MULTILINE)
    found = [
        str(path.relative_to(ROOT))
        for package in ("engage", "marketplace")
        for path in sorted((ROOT / package).rglob("*.py"))
        if uses.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["engage/exports.py", "engage/imports/sheets.py"]
