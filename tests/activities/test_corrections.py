"""Staff correct attendance with a reason; hours and points follow, and the change is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import points
from engage.activities import attendance
from engage.activities.models import AttendanceCorrection, Enrollment
from engage.errors import Conflict, Forbidden, Invalid, NotFound


def _enrollment(db, volunteer) -> Enrollment:
    return db.session.scalar(select(Enrollment).where(Enrollment.volunteer_id == volunteer.id))


def _correct(db, actor, enrollment, start, minutes: int, reason: str = "忘记扫码，现场负责人确认"):
    return attendance.correct_attendance(
        db.session,
        actor,
        enrollment.id,
        checked_in_at=start,
        checked_out_at=start + timedelta(minutes=minutes),
        reason=reason,
        max_hours=8,
    )


def _balance(db, volunteer) -> int:
    return points.balance(db.session, f"user:{volunteer.id}").total


def test_a_forgotten_scan_is_credited_and_the_reason_kept(db, crew, running):
    staff, (volunteer, *_rest) = crew
    correction = _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 45)
    db.session.commit()
    enrollment = _enrollment(db, volunteer)
    assert (enrollment.minutes, enrollment.points_awarded, enrollment.flagged) == (45, 7, False)
    assert (correction.minutes_before, correction.minutes_after, correction.points_delta) == (None, 45, 7)
    assert correction.reason == "忘记扫码，现场负责人确认" and correction.actor_id == staff.id
    assert _balance(db, volunteer) == 7


def test_lowering_hours_takes_the_overpaid_points_back(db, crew, running):
    staff, (volunteer, *_rest) = crew
    _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 45)
    _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 30, reason="提前离开")
    db.session.commit()
    assert _balance(db, volunteer) == 5
    assert [c.points_delta for c in attendance.corrections(db.session, staff, running.id)] == [7, -2]
    assert points.verify(db.session) == []


def test_points_already_spent_cannot_be_taken_back(db, crew, running):
    staff, (volunteer, *_rest) = crew
    _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 60)
    points.transfer(db.session, f"user:{volunteer.id}", "market:redeemed", 10, kind="redeem", memo="兑换")
    db.session.commit()
    with pytest.raises(Conflict):
        _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 15)
    db.session.rollback()
    assert _enrollment(db, volunteer).minutes == 60


@pytest.mark.parametrize(
    "change",
    [
        dict(reason=" "),
        dict(minutes=0),
        dict(minutes=-30),
        dict(later=timedelta(hours=3)),
    ],
    ids=["no-reason", "empty", "backwards", "future"],
)
def test_bad_corrections_are_refused_and_change_nothing(db, crew, running, change):
    staff, (volunteer, *_rest) = crew
    start = running.starts_at + change.get("later", timedelta())
    with pytest.raises(Invalid):
        _correct(
            db,
            staff,
            _enrollment(db, volunteer),
            start,
            change.get("minutes", 30),
            reason=change.get("reason", "补录"),
        )
    db.session.rollback()
    assert _enrollment(db, volunteer).minutes is None
    assert db.session.scalar(select(func.count()).select_from(AttendanceCorrection)) == 0


def test_only_the_communitys_staff_correct(db, make, crew, running):
    staff, (volunteer, *_rest) = crew
    with pytest.raises(Forbidden):
        _correct(db, volunteer, _enrollment(db, volunteer), running.starts_at, 30)
    with pytest.raises(NotFound):
        _correct(db, make.user("staff"), _enrollment(db, volunteer), running.starts_at, 30)


def test_a_flagged_forgotten_check_out_is_cleared_by_the_correction(db, crew, running):
    staff, (volunteer, *_rest) = crew
    enrollment = _enrollment(db, volunteer)
    enrollment.checked_in_at = running.starts_at
    db.session.commit()
    attendance.close_forgotten(db.session, running.community_id, now=running.ends_at, max_hours=8)
    db.session.commit()
    assert _enrollment(db, volunteer).flagged
    _correct(db, staff, _enrollment(db, volunteer), running.starts_at, 50)
    db.session.commit()
    assert (_enrollment(db, volunteer).flagged, _enrollment(db, volunteer).minutes) == (False, 45)
    assert _balance(db, volunteer) == 7
