"""Reading an uploaded .xlsx or .csv into numbered rows of text matched to a kind's columns
(the templates are written by engage.imports.templates).

Rows are numbered as the spreadsheet program shows them (the header is row 1), so a refusal
points at the line the person has to fix. Every cell becomes trimmed text: Excel hands
phone numbers over as numbers and dates as datetimes, and a kind validates text only.
Reading is bounded (file size by the caller, rows here); openpyxl parses through
defusedxml, so a crafted workbook cannot expand entities.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO, StringIO
from zipfile import BadZipFile

from flask_babel import lazy_gettext as _
from openpyxl import load_workbook

from engage.errors import Invalid
from engage.imports.kinds import Kind, Refusal

MAX_ROWS = 50_000
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Sheet:
    """A file's data rows as cells by field (header row matched), and what was wrong with the header."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def read(kind: Kind, data: bytes, filename: str) -> Sheet:
    """The rows of the first sheet of an .xlsx, or of a .csv (UTF-8 or GB18030, as Excel saves it)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    elif name.endswith(".csv"):
        lines = _csv_lines(data)
    else:
        raise Invalid.field("file", _("只接受 .xlsx 或 .csv 文件。"))
    return _match(kind, lines)


def _xlsx_lines(data: bytes):
    if not data.startswith(XLSX_MAGIC):
        raise Invalid.field("file", _("无法读取该文件：不是有效的 Excel（.xlsx）文件。"))
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError):
        raise Invalid.field("file", _("无法读取该文件：不是有效的 Excel（.xlsx）文件。")) from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_text(value) for value in values]
    finally:
        book.close()


def _csv_lines(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid.field("file", _("无法识别 CSV 文件的编码，请另存为 UTF-8。"))
    for values in csv.reader(StringIO(content, newline="")):
        yield [value.strip() for value in values]


def _text(value) -> str:
    """A cell as the text a person typed: 13800001111 not 13800001111.0, 2024-03-05 not a datetime."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _header(text: str) -> str:
    return text.strip().rstrip("*＊").strip()


def _match(kind: Kind, lines) -> Sheet:
    """Map the header row to the kind's columns; the required ones must all be there. A row left
    exactly as the template's example is skipped, and blank rows are ignored."""
    sheet = Sheet()
    lines = iter(lines)
    headers = [_header(text) for text in next(lines, [])]
    by_header = {column.header: column for column in kind.columns}
    missing = [c.header for c in kind.columns if c.required and c.header not in headers]
    repeated = sorted({h for h in headers if h in by_header and headers.count(h) > 1})
    if missing or repeated:
        problems = []
        if missing:
            problems.append(str(_("缺少列：%(names)s", names="、".join(missing))))
        if repeated:
            problems.append(str(_("列重复：%(names)s", names="、".join(repeated))))
        sheet.refusals.append(Refusal(1, "；".join(problems)))
        return sheet
    positions = [(i, by_header[h].field) for i, h in enumerate(headers) if h in by_header]
    example = kind.example()
    for number, values in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise Invalid.field("file", _("一个文件最多 %(n)d 行，请分成几个文件导入。", n=MAX_ROWS))
        cells = {name: (values[i] if i < len(values) else "") for i, name in positions}
        if any(cells.values()) and cells != {name: example[name] for _i, name in positions}:
            sheet.rows.append((number, cells))
    return sheet
