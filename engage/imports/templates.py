"""A kind's template (download and ``flask engage import-template``): Chinese headers, an
example row, and a sheet of notes naming the key by which a re-import matches rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

from engage.exports import fill_in_workbook
from engage.imports.kinds import Kind


def template(kind: Kind) -> bytes:
    """The kind's template: Chinese headers (required ones marked *, each with its note) in
    row 1, an example row, and a sheet of notes naming the key by which a re-import matches rows."""
    return fill_in_workbook(
        str(kind.title)[:31],
        [(f"{c.header}*" if c.required else c.header, c.example, str(c.note)) for c in kind.columns],
        _notes(kind),
    )


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
