"""Check-in codes, hours clipped and rounded, points credited exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

import points
from engage.activities import attendance
from engage.activities.models import Enrollment
from engage.errors import Invalid, InvalidTransition, NotFound
from points.base import utcnow

KEY = "test-secret-key"


def _code(db, staff, activity) -> str:
    return attendance.checkin_code(db.session, staff, activity.id, KEY)[0]


def _issued_two_minutes_ago(activity) -> str:
    """A correctly signed code that has outlived its 60 seconds."""
    serializer = URLSafeTimedSerializer(KEY, salt=attendance.SALT)
    signer = serializer.make_signer(attendance.SALT)
    signer.get_timestamp = lambda: int(utcnow().timestamp()) - 120
    return signer.sign(serializer.dump_payload({"a": activity.id, "n": "old"})).decode()


def test_check_in_and_out_credits_hours_and_points_once(db, crew, running):
    staff, (volunteer, *_rest) = crew
    start = running.starts_at
    attendance.check_in(
        db.session, volunteer, running.id, _code(db, staff, running), KEY, now=start - timedelta(minutes=20)
    )  # early: counted from the start
    out = attendance.check_out(
        db.session,
        volunteer,
        running.id,
        _code(db, staff, running),
        KEY,
        max_hours=8,
        now=start + timedelta(minutes=97),
    )
    db.session.commit()
    assert (out.minutes, out.points_awarded) == (90, 15)  # 97 min → 90 (quarter hours down) × 10/h
    with pytest.raises(InvalidTransition):
        attendance.check_out(
            db.session,
            volunteer,
            running.id,
            _code(db, staff, running),
            KEY,
            max_hours=8,
            now=start + timedelta(minutes=100),
        )
    db.session.rollback()
    assert points.balance(db.session, f"user:{volunteer.id}").total == 15
    assert attendance.service_minutes(db.session, volunteer) == 90


@pytest.mark.parametrize(
    "make_token",
    [
        lambda activity, other: URLSafeTimedSerializer("not-the-key", salt=attendance.SALT).dumps(
            {"a": activity.id, "n": "x"}
        ),
        lambda activity, other: _issued_two_minutes_ago(activity),
        lambda activity, other: "garbage",
        lambda activity, other: other,
    ],
    ids=["forged", "expired", "garbage", "other-activity"],
)
def test_bad_codes_are_refused_and_change_nothing(db, crew, running, post_activity, make_token):
    staff, (volunteer, *_rest) = crew
    other_code = _code(db, staff, post_activity())
    with pytest.raises(Invalid):
        attendance.check_in(db.session, volunteer, running.id, make_token(running, other_code), KEY)
    db.session.rollback()
    assert db.session.scalar(select(Enrollment.checked_in_at)) is None


def test_someone_not_enrolled_is_told_so_whatever_code_they_scan(db, crew, running):
    staff, (_enrolled, outsider, *_rest) = crew
    for code in (_code(db, staff, running), _issued_two_minutes_ago(running)):
        with pytest.raises(NotFound, match="您没有报名该活动"):
            attendance.attend(db.session, outsider, running.id, code, KEY, max_hours=8)


def test_replayed_codes_are_refused(db, crew, running):
    staff, (volunteer, *_rest) = crew
    code = _code(db, staff, running)
    attendance.check_in(db.session, volunteer, running.id, code, KEY)
    with pytest.raises(InvalidTransition):
        attendance.check_in(db.session, volunteer, running.id, code, KEY)
    with pytest.raises(Invalid):
        attendance.check_out(db.session, volunteer, running.id, code, KEY, max_hours=8)


def test_hours_are_capped_and_tick_closes_forgotten_check_outs(db, crew, running):
    staff, (volunteer, *_rest) = crew
    attendance.check_in(
        db.session, volunteer, running.id, _code(db, staff, running), KEY, now=running.starts_at
    )
    db.session.commit()
    assert (
        attendance.close_forgotten(db.session, running.community_id, now=running.starts_at, max_hours=1) == 0
    )
    assert (
        attendance.close_forgotten(
            db.session, running.community_id + 1, now=running.ends_at + timedelta(minutes=1), max_hours=1
        )
        == 0
    )
    assert (
        attendance.close_forgotten(
            db.session, running.community_id, now=running.ends_at + timedelta(minutes=1), max_hours=1
        )
        == 1
    )
    db.session.commit()
    row = db.session.scalar(select(Enrollment))
    assert row.flagged and (row.minutes, row.points_awarded) == (60, 10)  # capped at 1 hour
