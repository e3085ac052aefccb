"""Volunteers with their past service hours (the national volunteer system's export)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage import crypto
from engage.auth.models import User
from engage.imports.services import ImportRefused
from engage.volunteers.models import ServiceHours, VolunteerProfile
from engage.volunteers.services import create_team, join_team, service_record, team_members
from tests.factories import DATA_KEY
from tests.imports.conftest import SHANGHAI, xlsx

HEADER = ["姓名", "手机号", "证件号码", "志愿者类别", "活动名称", "服务日期", "服务时长（小时）"]
ID = "11010519491231002X"
ROWS = [
    ["李红", "13900002222", ID, "党员", "社区环境清洁", "2024-03-05", 2.5],
    ["李红", "13900002222", ID, "党员", "敬老院探访", "2024/3/9", 3],
    ["骑手小王", "13900003333", None, "新就业群体", None, None, None],
]


def test_a_good_file_creates_volunteers_and_their_hours(db, place, run_import):
    report = run_import("volunteers", xlsx(HEADER, *ROWS))
    assert (report.created, report.updated, report.unchanged, report.sensitive) == (3, 0, 0, 1)
    li = db.session.scalar(select(User).where(User.phone == "13900002222"))
    assert (
        li.roles == ["volunteer"]
        and li.community_id == place.community.id
        and li.password_hash.startswith("!")
    )
    profile = db.session.get(VolunteerProfile, li.id)
    assert profile.volunteer_group == "party_member" and profile.id_number_masked == "110105********002X"
    assert ID not in profile.id_number_cipher and crypto.decrypt(DATA_KEY, profile.id_number_cipher) == ID
    record = service_record(db.session, li.id, SHANGHAI)
    assert record.total_minutes == 330
    assert [(line.day, line.title, line.minutes) for line in record.lines] == [
        ("2024-03-05", "社区环境清洁", 150),
        ("2024-03-09", "敬老院探访", 180),
    ]
    wang = db.session.scalar(select(User).where(User.phone == "13900003333"))
    assert db.session.get(VolunteerProfile, wang.id).volunteer_group == "new_employment"


def test_re_importing_adds_no_hour_twice_and_a_corrected_line_updates(db, place, run_import):
    run_import("volunteers", xlsx(HEADER, *ROWS))
    again = run_import("volunteers", xlsx(HEADER, *ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    corrected = run_import("volunteers", xlsx(HEADER, [*ROWS[0][:6], 4]))
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, 0)
    assert db.session.scalar(select(func.sum(ServiceHours.minutes))) == 240 + 180


def test_a_resident_becomes_a_volunteer(db, make, place, run_import):
    resident = make.user("resident", community=place.community, phone="13900002222")
    report = run_import("volunteers", xlsx(HEADER, ROWS[0]))
    assert (report.created, report.updated) == (1, 0)  # the hours line is new
    db.session.refresh(resident)
    assert resident.roles == ["resident", "volunteer"]


def test_bad_rows_are_named_and_nothing_is_written(db, place, run_import):
    bad = [
        ROWS[0],
        ["李红", "13900002222", ID, "普通居民", "另一活动", "2024-03-06", 1],
        ["赵", "13900004444", "110105194912310021", None, None, None, None],
        ["钱", "13900005555", None, None, "半截活动", None, None],
        ["孙", "13900006666", None, None, "活动", "2024-02-30", 3],
        [*ROWS[0][:6], 5],
    ]
    with pytest.raises(ImportRefused) as refused:
        run_import("volunteers", xlsx(HEADER, *bad))
    reasons = {r.row: r.reason for r in refused.value.report.refusals}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "第 2 行" in reasons[3] and "校验位" in reasons[4] and "同时填写" in reasons[5]
    assert "服务日期" in reasons[6] and "第 2 行" in reasons[7]
    assert db.session.scalar(select(func.count()).select_from(ServiceHours)) == 0
    assert db.session.scalar(select(func.count()).select_from(User).where(User.phone.like("139%"))) == 1


def test_imported_hours_count_in_the_team_hours(db, place, run_import):
    run_import("volunteers", xlsx(HEADER, *ROWS[:2]))
    li = db.session.scalar(select(User).where(User.phone == "13900002222"))
    team = create_team(db.session, place.staff, name="彩虹联盟")
    join_team(db.session, li, team.id)
    db.session.commit()
    assert team_members(db.session, place.staff, team.id) == [(li, 330)]
