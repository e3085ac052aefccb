"""Star levels, hours per year, profiles with an encrypted ID number, teams."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engage import crypto
from engage.errors import Invalid, NotFound
from engage.volunteers import services
from engage.volunteers.models import Team, VolunteerProfile
from tests.factories import DATA_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")
STARS = (100, 300, 600, 1000, 1500)
VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    "minutes, star",
    [
        (0, 0),
        (100 * 60 - 15, 0),
        (100 * 60, 1),
        (300 * 60, 2),
        (599 * 60, 2),
        (1000 * 60, 4),
        (9999 * 60, 5),
    ],
)
def test_star_levels_at_the_default_thresholds(minutes, star):
    assert services.star_level(minutes, STARS) == star


def test_star_levels_follow_the_configured_thresholds():
    assert services.star_level(60 * 60, (50, 60, 70, 80, 90)) == 2


def test_hours_count_in_the_year_of_the_local_date(db, people, served):
    volunteer = people[1]
    served(volunteer, 120, starts_at=datetime(2025, 12, 31, 15, 30, tzinfo=UTC))  # 23:30 local
    served(volunteer, 60, starts_at=datetime(2025, 12, 31, 16, 0, tzinfo=UTC))  # 00:00 local
    record = services.service_record(db.session, volunteer.id, SHANGHAI)
    assert record.by_year == [("2026", 60), ("2025", 120)]
    assert record.total_minutes == 180


def test_the_id_number_is_stored_encrypted_and_shown_masked(app, db, people):
    volunteer = people[1]
    with app.app_context():
        services.update_volunteer_profile(
            db.session,
            volunteer,
            volunteer_group="new_employment",
            availability="周末",
            skills="维修，理发、 陪诊",
            id_number=VALID_ID.lower(),
            key=DATA_KEY,
        )
        db.session.commit()
        profile = db.session.get(VolunteerProfile, volunteer.id)
        assert VALID_ID not in profile.id_number_cipher
        assert crypto.decrypt(DATA_KEY, profile.id_number_cipher) == VALID_ID
    assert profile.id_number_masked == "110105********002X"
    assert volunteer.skills == "维修,理发,陪诊"


@pytest.mark.parametrize(
    "change, field",
    [
        (dict(id_number="110105194912310021"), "id_number"),
        (dict(id_number="12345"), "id_number"),
        (dict(volunteer_group="martian"), "volunteer_group"),
        (dict(availability="x" * 201), "availability"),
    ],
    ids=["checksum", "short", "group", "availability"],
)
def test_bad_profiles_are_refused_and_change_nothing(app, db, people, change, field):
    values = dict(volunteer_group="party_member", availability="", skills="", id_number="") | change
    with app.app_context(), pytest.raises(Invalid) as refused:
        services.update_volunteer_profile(db.session, people[1], key=DATA_KEY, **values)
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.get(VolunteerProfile, people[1].id) is None


def test_a_profile_is_seen_by_its_volunteer_and_their_communitys_staff_only(db, make, people, served):
    staff, volunteer = people
    served(volunteer, 90)
    view = services.volunteer_view(db.session, staff, volunteer.id, zone=SHANGHAI, star_hours=STARS)
    assert (view.record.total_minutes, view.star, view.profile.volunteer_group) == (90, 0, "resident")
    for outsider in (
        make.user("staff"),
        make.user("volunteer", community=volunteer.community),
        make.user("resident", community=volunteer.community),
    ):
        with pytest.raises(NotFound):
            services.volunteer_view(db.session, outsider, volunteer.id, zone=SHANGHAI, star_hours=STARS)


def test_teams_list_their_members_by_hours(db, make, people, served):
    staff, volunteer = people
    other = make.user("volunteer", community=volunteer.community)
    team = services.create_team(db.session, staff, name="彩虹联盟", description="助老")
    for member in (volunteer, other):
        services.join_team(db.session, member, team.id)
    served(other, 180)
    served(volunteer, 60)
    assert [(u.id, m) for u, m in services.team_members(db.session, staff, team.id)] == [
        (other.id, 180),
        (volunteer.id, 60),
    ]
    with pytest.raises(services.AlreadyMember):
        services.join_team(db.session, volunteer, team.id)
    services.leave_team(db.session, volunteer, team.id)
    assert [u.id for u, _ in services.team_members(db.session, staff, team.id)] == [other.id]


def test_team_names_are_unique_per_community_and_teams_stay_in_theirs(db, make, people):
    staff, volunteer = people
    team = services.create_team(db.session, staff, name="巡防联盟")
    with pytest.raises(Invalid):
        services.create_team(db.session, staff, name="巡防联盟")
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1
    with pytest.raises(NotFound):
        services.join_team(db.session, make.user("volunteer"), team.id)
