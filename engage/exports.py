"""Excel downloads (openpyxl): one sheet, a header row, the rows; what to mask is the caller's call."""
from __future__ import annotations

from io import BytesIO
from typing import Iterable

from flask import send_file
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(tuple(header))
    for row in rows:
        sheet.append(tuple(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_download(filename: str, title: str, header: Iterable, rows: Iterable[Iterable]):
    return send_file(BytesIO(workbook_bytes(title, header, rows)), download_name=filename, as_attachment=True,
                     mimetype=XLSX)
