"""A kind's template (download and ``flask engage import-template``): Chinese headers, an
example row, and a sheet of notes naming the key by which a re-import matches rows."""

from __future__ import annotations

from io import BytesIO

from flask_babel import lazy_gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from engage.exports import as_cell
from engage.imports.kinds import Kind

NOTES_SHEET = "说明"


def template(kind: Kind) -> bytes:
    """The kind's template: Chinese headers (required ones marked *) in row 1, an example row,
    every column formatted as text (so phone and ID numbers stay as typed), and a sheet of notes
    naming the key by which a re-import matches rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(kind.title)[:31]
    headers = [f"{c.header}*" if c.required else c.header for c in kind.columns]
    sheet.append([as_cell(sheet, header) for header in headers])
    sheet.append([as_cell(sheet, column.example) for column in kind.columns])
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.header) + 4, len(column.example) + 4)
        sheet.column_dimensions[letter].number_format = "@"
        if column.note:
            sheet.cell(row=1, column=index).comment = Comment(str(column.note), "Engage")
    notes = book.create_sheet(NOTES_SHEET)
    for line in _notes(kind):
        notes.append([as_cell(notes, text) for text in line])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _notes(kind: Kind) -> list[list[str]]:
    return [
        [str(_("匹配方式")), str(kind.key_note)],
        [
            str(_("填写说明")),
            str(
                _(
                    "第1行为列名（带 * 的必填），从第2行起每行一条；第2行的示例原样保留时会被跳过。"
                    "空白的选填单元格不会清除已有内容。同一文件重复导入不会产生任何变化。"
                )
            ),
        ],
        *([column.header, str(column.note)] for column in kind.columns if column.note),
    ]
