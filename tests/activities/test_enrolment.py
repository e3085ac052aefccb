"""Posting activities and enrolling, including twenty volunteers for five seats at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.activities import services
from engage.activities.models import Activity, Enrollment
from engage.auth.models import User
from engage.errors import Forbidden, Invalid, InvalidTransition
from points.base import utcnow
from tests.factories import reread, together


@pytest.mark.parametrize(
    "change, field",
    [
        ({"hours": -1}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 100_000}, "capacity"),
        ({"points_per_hour": -5}, "points_per_hour"),
    ],
)
def test_bad_activities_are_refused_and_nothing_is_saved(db, post_activity, change, field):
    with pytest.raises(Invalid) as error:
        post_activity(**change)
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_only_staff_post(db, crew):
    with pytest.raises(Forbidden):
        services.create_activity(
            db.session,
            crew[1][0],
            title="x",
            kind="patrol",
            starts_at=utcnow(),
            ends_at=utcnow() + timedelta(hours=1),
            capacity=1,
            points_per_hour=1,
            location="x",
        )


def test_waiting_list_and_promotion_on_withdrawal(db, crew, post_activity):
    _staff, (first, second, third) = crew
    activity = post_activity(capacity=1)
    assert services.enroll(db.session, first, activity.id).status == "enrolled"
    assert services.enroll(db.session, second, activity.id).status == "waitlisted"
    assert services.enroll(db.session, third, activity.id).status == "waitlisted"
    db.session.commit()
    with pytest.raises(services.AlreadyEnrolled):
        services.enroll(db.session, first, activity.id)
    db.session.rollback()
    services.withdraw(db.session, first, activity.id)
    db.session.commit()
    statuses = dict(db.session.execute(select(Enrollment.volunteer_id, Enrollment.status)).all())
    assert statuses == {first.id: "withdrawn", second.id: "enrolled", third.id: "waitlisted"}
    assert db.session.get(Activity, activity.id).enrolled == 1


def test_full_without_waiting_list(db, crew, post_activity):
    activity = post_activity(capacity=1, waitlist=False)
    services.enroll(db.session, crew[1][0], activity.id)
    db.session.commit()
    with pytest.raises(services.ActivityFull):
        services.enroll(db.session, crew[1][1], activity.id)


def test_no_enrolment_or_withdrawal_after_the_start(db, crew, post_activity):
    activity = post_activity(starts_in=timedelta(minutes=-5))
    with pytest.raises(InvalidTransition):
        services.enroll(db.session, crew[1][0], activity.id)


@pytest.mark.concurrency
def test_twenty_volunteers_for_five_seats(app, db, make, crew, post_activity):
    activity = post_activity(capacity=5)
    staff = crew[0]
    ids = [make.user("volunteer", community=staff.community).id for _ in range(20)]
    activity_id = activity.id
    results = together(
        app,
        [
            lambda session, user_id=user_id: (
                services.enroll(session, session.get(User, user_id), activity_id).status
            )
            for user_id in ids
        ],
    )
    assert sorted(map(str, results)) == ["enrolled"] * 5 + ["waitlisted"] * 15, results
    reread(db.session)
    assert db.session.get(Activity, activity_id).enrolled == 5
    assert (
        db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.status == "enrolled"))
        == 5
    )


@pytest.mark.concurrency
def test_eight_withdrawals_at_once_free_one_seat_and_promote_one(app, db, make, crew, post_activity):
    staff, (leaver, *_rest) = crew
    activity = post_activity(capacity=5)
    activity_id, leaver_id = activity.id, leaver.id
    seated = [leaver] + [make.user("volunteer", community=staff.community) for _ in range(4)]
    waiting = [make.user("volunteer", community=staff.community) for _ in range(8)]
    for volunteer in seated + waiting:
        services.enroll(db.session, volunteer, activity_id)
    db.session.commit()
    results = together(
        app,
        [
            lambda session: services.withdraw(session, session.get(User, leaver_id), activity_id).status
            for _ in range(8)
        ],
    )
    assert results.count("withdrawn") == 1, results
    assert all(getattr(r, "code", None) == "not_found" for r in results if r != "withdrawn"), results
    reread(db.session)
    statuses = db.session.scalars(
        select(Enrollment.status).where(Enrollment.activity_id == activity_id)
    ).all()
    assert statuses.count("enrolled") == 5 and statuses.count("waitlisted") == 7
    assert db.session.get(Activity, activity_id).enrolled == 5
