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
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
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


def fill_in_workbook(
    title: str, columns: Iterable[tuple[str, str, str]], notes: Iterable[Iterable[str]]
) -> bytes:
    """A sheet for people to fill in (an import's template): per column (header, example, note)
    the header in row 1 with its note as a comment, the example in row 2, and the column
    formatted as text, so phone and ID numbers stay as typed; then a sheet "说明" of ``notes``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    columns = list(columns)
    sheet.append([as_cell(sheet, header) for header, _example, _note in columns])
    sheet.append([as_cell(sheet, example) for _header, example, _note in columns])
    for index, (header, example, note) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, 2 * len(header) + 4, len(example) + 4)
        sheet.column_dimensions[letter].number_format = "@"
        if note:
            sheet.cell(row=1, column=index).comment = Comment(note, "Engage")
    explained = book.create_sheet("说明")
    for line in notes:
        explained.append([as_cell(explained, text) for text in line])
    explained.column_dimensions["A"].width, explained.column_dimensions["B"].width = 16, 90
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
