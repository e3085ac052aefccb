"""Staff manage activities: weekly series, edits, cancellation, team-only activities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.activities import services
from engage.activities.models import Activity
from engage.errors import Forbidden, Invalid, InvalidTransition
from engage.notifications.models import Notification
from engage.volunteers.services import create_team, join_team


def _inbox(db, user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def _fields(activity: Activity, **changes) -> dict:
    values = dict(
        title=activity.title,
        kind=activity.kind,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        capacity=activity.capacity,
        points_per_hour=activity.points_per_hour,
        location=activity.location,
    )
    return {**values, **changes}


def test_a_weekly_shift_is_one_activity_per_week_with_its_own_roster(db, crew, post_activity):
    first = post_activity(repeat_weeks=3)
    series = db.session.scalars(
        select(Activity).where(Activity.series_id == first.id).order_by(Activity.starts_at)
    ).all()
    assert [a.starts_at - first.starts_at for a in series] == [timedelta(weeks=w) for w in range(4)]
    assert {a.ends_at - a.starts_at for a in series} == {timedelta(hours=2)}
    services.enroll(db.session, crew[1][0], series[2].id)
    db.session.expire_all()
    assert [a.enrolled for a in series] == [0, 0, 1, 0]


def test_too_long_a_series_is_refused_and_nothing_is_saved(db, crew, post_activity):
    with pytest.raises(Invalid) as refused:
        post_activity(repeat_weeks=27)
    assert "repeat_weeks" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_capacity_cannot_fall_below_the_taken_seats(db, crew, post_activity):
    activity = post_activity(capacity=3)
    for volunteer in crew[1][:2]:
        services.enroll(db.session, volunteer, activity.id)
    with pytest.raises(Invalid) as refused:
        services.update_activity(db.session, crew[0], activity.id, **_fields(activity, capacity=1))
    assert "capacity" in refused.value.fields
    db.session.rollback()
    assert db.session.get(Activity, activity.id).capacity == 3


def test_more_seats_go_to_the_waiting_list_first_and_everyone_hears_of_changes(db, crew, post_activity):
    activity = post_activity(capacity=1)
    first, second, _third = crew[1]
    services.enroll(db.session, first, activity.id)
    assert services.enroll(db.session, second, activity.id).status == "waitlisted"
    services.update_activity(
        db.session, crew[0], activity.id, **_fields(activity, capacity=2, location="新地点")
    )
    assert services.my_enrollment(db.session, second, activity.id).status == "enrolled"
    assert db.session.get(Activity, activity.id).location == "新地点"
    assert any("有变更" in m for m in _inbox(db, first))
    assert any("候补成功" in m for m in _inbox(db, second))


def test_cancelling_tells_the_enrolled_and_the_waiting_why(db, crew, post_activity):
    activity = post_activity(capacity=1)
    first, second, third = crew[1]
    services.enroll(db.session, first, activity.id)
    services.enroll(db.session, second, activity.id)
    services.cancel_activity(db.session, crew[0], activity.id, "暴雨预警")
    assert all(any("暴雨预警" in m for m in _inbox(db, v)) for v in (first, second))
    assert _inbox(db, third) == []
    with pytest.raises(InvalidTransition):
        services.cancel_activity(db.session, crew[0], activity.id, "再取消一次")
    with pytest.raises(InvalidTransition):
        services.enroll(db.session, third, activity.id)


def test_cancelling_needs_a_reason_and_the_staff_role(db, crew, post_activity):
    activity = post_activity()
    with pytest.raises(Invalid):
        services.cancel_activity(db.session, crew[0], activity.id, "  ")
    with pytest.raises(Forbidden):
        services.cancel_activity(db.session, crew[1][0], activity.id, "不想办了")
    assert not db.session.get(Activity, activity.id).cancelled


def test_a_started_activity_cannot_be_edited_or_cancelled(db, crew, running):
    with pytest.raises(InvalidTransition):
        services.cancel_activity(db.session, crew[0], running.id, "晚了")
    with pytest.raises(InvalidTransition):
        services.update_activity(db.session, crew[0], running.id, **_fields(running, title="新名字"))


def test_team_activities_are_for_team_members(db, crew, post_activity):
    team = create_team(db.session, crew[0], name="巡防联盟")
    member, outsider = crew[1][0], crew[1][1]
    join_team(db.session, member, team.id)
    activity = post_activity(team_id=team.id)
    assert services.enroll(db.session, member, activity.id).status == "enrolled"
    with pytest.raises(Forbidden) as refused:
        services.enroll(db.session, outsider, activity.id)
    assert "巡防联盟" in refused.value.message


def test_another_communitys_team_cannot_be_chosen(db, make, crew, post_activity):
    other_staff = make.user("staff")
    team = create_team(db.session, other_staff, name="蓝天救援")
    with pytest.raises(Invalid) as refused:
        post_activity(team_id=team.id)
    assert "team_id" in refused.value.fields
