"""Profile, teams, and the certificate whose QR code anyone can verify."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.volunteers.models import Certificate, Team, TeamMember, VolunteerProfile
from tests.factories import reread


def _certificate(client) -> tuple[str, str]:
    """Issue a certificate from the profile page; its page and the verify path."""
    issued = client.post("/volunteer/certificates")
    page = client.get(issued.headers["Location"]).get_data(as_text=True)
    link = re.search(r'data-test="verify-link">([^<]+)<', page).group(1)
    return page, link[link.index("/verify/") :]


def test_a_certificate_shows_the_hours_and_verifies_publicly(app, db, people, served, signed_in):
    staff, volunteer = people
    served(volunteer, 150, title="敬老院探访")
    served(volunteer, 45, title="文明劝导")
    client = signed_in(volunteer)
    client.post(
        "/volunteer",
        data={
            "volunteer_group": "party_member",
            "skills": "",
            "availability": "",
            "id_number": "11010519491231002X",
        },
    )
    page, path = _certificate(client)
    assert "3.25 小时" in page and "敬老院探访" in page and "110105********002X" in page
    assert volunteer.community.name in page

    public = app.test_client().get(path)
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "证明有效" in text and "3.25 小时" in text
    assert volunteer.display_name not in text and "11010519491231002X" not in text

    serial, signature = path.removeprefix("/verify/").split(".", 1)
    for tampered in (
        f"{serial[:-1]}{'0' if serial[-1] != '0' else '1'}.{signature}",
        f"{serial}.x{signature}",
        "garbage",
    ):
        refused = app.test_client().get(f"/verify/{tampered}")
        assert refused.status_code == 404 and "无效" in refused.get_data(as_text=True)


def test_hours_served_after_issue_do_not_change_a_certificate(app, db, people, served, signed_in):
    volunteer = people[1]
    served(volunteer, 60)
    _page, path = _certificate(signed_in(volunteer))
    served(volunteer, 120)
    assert "1 小时" in app.test_client().get(path).get_data(as_text=True)


def test_no_hours_no_certificate(db, people, signed_in):
    client = signed_in(people[1])
    assert client.post("/volunteer/certificates").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_certificate_page_is_for_its_volunteer_and_their_staff(db, make, people, served, signed_in):
    staff, volunteer = people
    served(volunteer, 60)
    location = signed_in(volunteer).post("/volunteer/certificates").headers["Location"]
    assert signed_in(staff).get(location).status_code == 200
    assert signed_in(make.user("volunteer", community=volunteer.community)).get(location).status_code == 404


def test_the_profile_page_shows_star_level_and_a_bad_id_number_changes_nothing(db, people, served, signed_in):
    volunteer = people[1]
    served(volunteer, 100 * 60)
    client = signed_in(volunteer)
    page = client.get("/volunteer").get_data(as_text=True)
    assert "一星志愿者" in page and "再服务 200 小时可达二星志愿者" in page
    refused = client.post(
        "/volunteer",
        data={
            "volunteer_group": "new_employment",
            "skills": "",
            "availability": "",
            "id_number": "110105194912310021",
        },
    )
    assert "身份证号校验位不正确" in refused.get_data(as_text=True)
    reread(db.session)
    assert db.session.get(VolunteerProfile, volunteer.id) is None


def test_volunteers_join_teams_from_the_team_page(db, people, signed_in):
    staff, volunteer = people
    created = signed_in(staff).post("/teams", data={"name": "蓝天救援", "description": "应急"})
    team_path = created.headers["Location"]
    client = signed_in(volunteer)
    assert 'data-test="join-team"' in client.get(team_path).get_data(as_text=True)
    client.post(f"{team_path}/join")
    reread(db.session)
    assert db.session.scalar(select(TeamMember.user_id)) == volunteer.id
    assert "蓝天救援" in client.get("/volunteer").get_data(as_text=True)
    assert signed_in(volunteer).post("/teams", data={"name": "自封队伍"}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Team)) == 1
