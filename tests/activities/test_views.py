"""The activity pages: staff post and run, volunteers enrol and attend by the screen's code."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from engage.activities.models import Activity, AttendanceCorrection, Enrollment
from tests.factories import reread


def _local(moment) -> str:
    """What a datetime-local input in Shanghai holds."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def _form(**changes) -> dict:
    return {
        "title": "周末助老",
        "kind": "volunteer_service",
        "location": "幸福里活动室",
        "starts_at": "2030-05-04T09:00",
        "ends_at": "2030-05-04T11:30",
        "capacity": 8,
        "points_per_hour": 12,
        "team_id": 0,
        "waitlist": "y",
        "repeat_weeks": 0,
        **changes,
    }


def test_staff_post_an_activity_in_local_time(db, crew, signed_in):
    staff = signed_in(crew[0])
    response = staff.post("/activities/new", data=_form(repeat_weeks=1))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).order_by(Activity.id))
    assert activity.starts_at.isoformat() == "2030-05-04T01:00:00+00:00"  # 09:00 in Shanghai
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 2
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "周末助老" in page and "2030-05-04 09:00" in page


def test_bad_input_is_shown_in_chinese_and_saves_nothing(db, crew, signed_in):
    staff = signed_in(crew[0])
    for bad, message in (
        (dict(ends_at="2030-05-04T08:00"), "结束时间必须晚于开始时间"),
        (dict(capacity=0), "1 到 10000"),
        (dict(capacity=100_000), "1 到 10000"),
        (dict(points_per_hour=-5), "0 到 1000"),
    ):
        page = staff.post("/activities/new", data=_form(**bad)).get_data(as_text=True)
        assert message in page, bad
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_volunteers_cannot_post_or_open_the_screen(crew, post_activity, signed_in):
    activity = post_activity()
    volunteer = signed_in(crew[1][0])
    assert volunteer.get("/activities/new").status_code == 403
    assert volunteer.get(f"/activities/{activity.id}/screen/code").status_code == 403
    assert volunteer.get(f"/activities/{activity.id}/roster").status_code == 403


def test_enrol_then_check_in_and_out_with_the_screens_codes(db, crew, post_activity, signed_in):
    activity = post_activity()
    staff, volunteer = signed_in(crew[0]), signed_in(crew[1][0])
    volunteer.post(f"/activities/{activity.id}/enroll")
    assert "已报名" in volunteer.get(f"/activities/{activity.id}").get_data(as_text=True)
    reread(db.session)
    row = db.session.get(Activity, activity.id)
    row.starts_at, row.ends_at = row.starts_at - timedelta(days=1, hours=2), row.ends_at - timedelta(days=1)
    db.session.commit()

    code = staff.get(f"/activities/{activity.id}/screen/code").get_json()
    assert code["url"].endswith(f"/activities/{activity.id}/attend?t={code['token']}")
    assert code["svg"].startswith("<svg")
    confirm = volunteer.get(code["url"]).get_data(as_text=True)
    assert "确认签到" in confirm and code["token"] in confirm
    volunteer.post(f"/activities/{activity.id}/attend", data={"token": code["token"]})
    reread(db.session)
    enrollment = db.session.scalar(select(Enrollment))
    enrollment.checked_in_at -= timedelta(hours=1)
    db.session.commit()

    screen = staff.get(f"/activities/{activity.id}/screen").get_data(as_text=True)
    token = re.search(r'data-test="checkin-token" data-token>([^<]+)<', screen).group(1)
    done = volunteer.post(f"/activities/{activity.id}/attend", data={"token": token}, follow_redirects=True)
    assert "签退成功：服务 1 小时，获得 10 积分" in done.get_data(as_text=True)
    statement = volunteer.get("/points/").get_data(as_text=True)
    assert 'data-test="balance">10<' in statement and re.search(
        r'data-test="service-hours"><a [^>]+>1<', statement
    )


def test_a_bad_code_on_the_attend_page_is_explained(db, crew, running, signed_in):
    volunteer = signed_in(crew[1][0])
    page = volunteer.post(f"/activities/{running.id}/attend", data={"token": "made-up"}).get_data(
        as_text=True
    )
    assert "签到码无效" in page
    reread(db.session)
    assert db.session.scalar(select(Enrollment.checked_in_at)) is None


def test_staff_correct_from_the_roster_and_the_change_is_listed(db, crew, running, signed_in):
    staff = signed_in(crew[0])
    enrollment_id = db.session.scalar(select(Enrollment.id))
    start = _local(running.starts_at)
    roster = staff.get(f"/activities/{running.id}/roster").get_data(as_text=True)
    assert crew[1][0].display_name not in roster  # names are masked in the list
    staff.post(
        f"/activities/{running.id}/roster/correct",
        data={
            "enrollment_id": enrollment_id,
            "checked_in_at": _local(running.starts_at),
            "checked_out_at": _local(running.starts_at + timedelta(minutes=40)),
            "reason": "补录签到",
        },
    )
    reread(db.session)
    assert db.session.scalar(select(Enrollment.minutes)) == 30  # from the start, whole quarters
    assert "补录签到" in staff.get(f"/activities/{running.id}/roster").get_data(as_text=True)
    refused = staff.post(
        f"/activities/{running.id}/roster/correct",
        data={"enrollment_id": enrollment_id, "checked_in_at": start, "checked_out_at": start, "reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "更正原因：" in refused  # the flashed field error, not the form's label
    assert db.session.scalar(select(func.count()).select_from(AttendanceCorrection)) == 1


def test_cancel_from_the_page_needs_a_reason(db, crew, post_activity, signed_in):
    activity = post_activity()
    staff = signed_in(crew[0])
    staff.post(f"/activities/{activity.id}/cancel", data={"reason": ""})
    reread(db.session)
    assert not db.session.get(Activity, activity.id).cancelled
    staff.post(f"/activities/{activity.id}/cancel", data={"reason": "场地临时征用"})
    reread(db.session)
    assert db.session.get(Activity, activity.id).cancel_reason == "场地临时征用"
