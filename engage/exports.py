"""Excel downloads (openpyxl): one sheet, a header row, the rows; what to mask is the caller's call.

Every export goes through ``workbook_bytes`` so that user text is always written as text:
openpyxl turns any string starting with ``=`` into a live formula, and a reward named
``=HYPERLINK(…)`` would then run in the street's Excel.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What spreadsheet programs read as the start of a formula (OWASP's CSV-injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def workbook_bytes(title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in (header, *rows):
        sheet.append(tuple(as_cell(sheet, value) for value in row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_cell(sheet: Worksheet, value):
    """Strings as text cells, never formulas; those that look like one also carry Excel's
    quote prefix, so editing the cell in Excel keeps it text. Other values pass unchanged."""
    if not isinstance(value, str):
        return value
    cell = Cell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = value.startswith(FORMULA_STARTS)
    return cell


def xlsx_download(filename: str, title: str, header: Iterable, rows: Iterable[Iterable]):
    return send_file(
        BytesIO(workbook_bytes(title, header, rows)),
        download_name=filename,
        as_attachment=True,
        mimetype=XLSX,
    )
