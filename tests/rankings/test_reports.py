"""Periodic reports: generated once per street and period, kept, printable and in Excel."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from engage.errors import Forbidden, NotFound
from engage.periods import last_finished
from engage.rankings import services
from engage.rankings.models import PeriodicReport
from engage.rankings.reports import generate, get_report, street_reports
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
    admin = signed_in(street.admin)
    assert "2026-Q4" in admin.get(f"/reports/{quarter.id}").get_data(as_text=True)
    sheet = load_workbook(BytesIO(admin.get(f"/reports/{quarter.id}.xlsx").data)).active
    assert dict(sheet.iter_rows(min_row=2, values_only=True))["订单数"] == 1
    assert signed_in(street.resident).get(f"/reports/{quarter.id}").status_code == 404


def test_a_streets_reports_are_its_admins_alone(db, make, street, signed_in):
    """The rule of docs/design.md "Scoping": a report adds up every community of the street,
    so staff (who see their own community's figures on the dashboard) do not read it, and
    neither does another street's admin."""
    generate(db.session, now=NOW, zone=SHANGHAI)
    db.session.commit()
    report = db.session.query(PeriodicReport).filter_by(street_id=street.street.id, kind="month").one()
    other = make.street()
    elsewhere = make.user("admin", street_id=other.id, community=make.community(other))
    assert report in street_reports(db.session, street.admin)
    assert street_reports(db.session, elsewhere) == []
    with pytest.raises(Forbidden):
        street_reports(db.session, street.staff)
    for user in (street.staff, elsewhere):
        with pytest.raises(NotFound):
            get_report(db.session, user, report.id)
    staff = signed_in(street.staff)
    assert staff.get("/reports").status_code == 403
    assert staff.get(f"/reports/{report.id}").status_code == 404
    assert "/reports" not in staff.get("/").get_data(as_text=True)
