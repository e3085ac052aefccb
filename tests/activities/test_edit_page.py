"""The activity edit page: staff see the activity's values in local time and change them;
bad input is explained and saves nothing; others cannot open it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engage.activities.forms import LOCAL_FORMAT
from engage.activities.models import Activity
from tests.factories import reread


def local(moment: datetime) -> str:
    """What the form's date-time field shows: Shanghai time, to the minute."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime(LOCAL_FORMAT)


def test_staff_edit_an_activity_on_its_page(db, crew, post_activity, signed_in):
    activity = post_activity(capacity=5)
    staff = signed_in(crew[0])
    page = staff.get(f"/activities/{activity.id}/edit").get_data(as_text=True)
    starts, ends = local(activity.starts_at), local(activity.ends_at)
    assert 'value="社区巡防"' in page and f'value="{starts}"' in page and f'value="{ends}"' in page
    form = {
        "title": "夜间巡防",
        "kind": "patrol",
        "location": "东门",
        "starts_at": starts,
        "ends_at": ends,
        "capacity": 7,
        "points_per_hour": 10,
        "team_id": 0,
        "waitlist": "y",
    }
    bad = staff.post(f"/activities/{activity.id}/edit", data={**form, "ends_at": starts})
    assert bad.status_code == 200 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    assert staff.post(f"/activities/{activity.id}/edit", data=form).status_code == 302
    reread(db.session)
    saved = db.session.get(Activity, activity.id)
    assert (saved.title, saved.location, saved.capacity, saved.starts_at) == (
        "夜间巡防",
        "东门",
        7,
        activity.starts_at.replace(second=0, microsecond=0),
    )


def test_volunteers_and_other_communities_cannot_open_it(db, make, crew, post_activity, signed_in):
    activity = post_activity(starts_in=timedelta(days=2))
    assert signed_in(crew[1][0]).get(f"/activities/{activity.id}/edit").status_code == 403
    assert signed_in(make.user("staff")).get(f"/activities/{activity.id}/edit").status_code == 404
