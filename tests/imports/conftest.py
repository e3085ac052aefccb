"""A community ready to import into (a grid with its worker, a named micro-grid, staff and an
admin), another community of the same street, and spreadsheets built in code."""

from __future__ import annotations

import csv
from io import BytesIO, StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from engage.community.models import Grid, MicroGrid
from engage.imports import services
from engage.imports.kinds import Context, Target
from engage.imports.registry import KINDS
from tests.factories import DATA_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")


def xlsx(header: list[str], *rows: list) -> bytes:
    """A workbook whose first sheet holds ``header`` in row 1 and ``rows`` below it."""
    book = Workbook()
    for row in (header, *rows):
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(header: list[str], *rows: list, encoding: str = "utf-8-sig") -> bytes:
    buffer = StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def place(db, make):
    street = make.street()
    community = make.community(street)
    worker = make.user("grid_worker", community=community, phone="13911110000")
    grid = make.grid(community, grid_worker=worker)
    grid.name = "第1网格"
    micro_grid = make.micro_grid(grid)
    micro_grid.name = "1-1微网格"
    staff = make.user("staff", community=community)
    admin = make.user("admin", street_id=street.id)
    other = make.community(street)
    other_staff = make.user("staff", community=other)
    db.session.commit()
    return SimpleNamespace(
        street=street,
        community=community,
        worker=worker,
        grid=grid,
        micro_grid=micro_grid,
        staff=staff,
        admin=admin,
        other=other,
        other_staff=other_staff,
    )


@pytest.fixture
def run_import(db, place):
    """``run_import(kind, data, filename="f.xlsx", community=None)`` → the report, committed, as the CLI
    would; a refused file raises ``ImportRefused`` and is rolled back."""

    def do(kind: str, data: bytes, filename: str = "f.xlsx", community=None):
        context = Context(db.session, Target(community or place.community), DATA_KEY, SHANGHAI)
        try:
            report = services.apply(context, KINDS[kind], data, filename, actor=None)
        except services.ImportRefused:
            db.session.rollback()
            raise
        db.session.commit()
        return report

    return do


def second_grid(db, place, name: str = "第2网格") -> Grid:
    grid = Grid(community_id=place.community.id, name=name)
    db.session.add(grid)
    db.session.flush()
    db.session.add(MicroGrid(grid_id=grid.id, community_id=place.community.id, name=f"{name}微网格"))
    db.session.commit()
    return grid
