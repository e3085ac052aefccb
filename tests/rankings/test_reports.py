"""Periodic reports: generated once per street and period, kept, printable and in Excel."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from openpyxl import load_workbook

from engage.periods import last_finished
from engage.rankings import services
from engage.rankings.models import PeriodicReport
from engage.rankings.reports import generate
from tests.rankings.conftest import SHANGHAI

NOW = datetime(2027, 1, 6, 2, tzinfo=UTC)  # Wednesday 6 January 2027, 10:00 in Shanghai


def test_the_last_finished_periods():
    assert [last_finished(kind, NOW, SHANGHAI).label for kind in ("week", "month", "quarter", "year")] == [
        "2026-W53",
        "2026-12",
        "2026-Q4",
        "2026",
    ]


def test_generate_keeps_each_report_once_with_the_quarters_ranking(db, street, company, order, signed_in):
    good = company()
    order(good, rating=5)
    services.publish(db.session, street.admin, "2026-Q4", zone=SHANGHAI)
    db.session.commit()
    assert generate(db.session, now=NOW, zone=SHANGHAI) == 4
    assert generate(db.session, now=NOW, zone=SHANGHAI) == 0
    db.session.commit()
    quarter = db.session.query(PeriodicReport).filter_by(kind="quarter").one()
    rows = dict(quarter.rows)
    assert rows["订单数"] == 1 and rows[f"第1名 {good.name}"] == 78.57
    staff = signed_in(street.staff)
    assert "2026-Q4" in staff.get(f"/reports/{quarter.id}").get_data(as_text=True)
    sheet = load_workbook(BytesIO(staff.get(f"/reports/{quarter.id}.xlsx").data)).active
    assert dict(sheet.iter_rows(min_row=2, values_only=True))["订单数"] == 1
    assert signed_in(street.resident).get(f"/reports/{quarter.id}").status_code == 404
