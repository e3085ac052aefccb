"""One unit of work per request: commit once on success, roll back otherwise, GET never writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.audit.models import AccessLog, AuthEvent
from engage.community.models import District, Household
from engage.rankings import scoring
from engage.rankings.models import Criterion
from engage.unit_of_work import ReadOnlyViolation
from marketplace.models import MemberCard


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_get_that_would_write_is_refused_and_writes_nothing(db, make, login, monkeypatch):
    street = make.street()
    admin = make.user("admin", community=make.community(street))
    before = _count(db, Criterion)
    reading = scoring.street_criteria

    def writing(session, street_id):
        session.add(
            Criterion(street_id=street_id, code="extra", name="额外", weight=1, source="manual", position=99)
        )
        return reading(session, street_id)

    monkeypatch.setattr(scoring, "street_criteria", writing)
    client = login(admin)
    with pytest.raises(ReadOnlyViolation):
        client.get("/rankings/property")
    assert _count(db, Criterion) == before


def _write_then_refuse(error):
    def save_row(session, actor, level, values, row_id=None):
        session.add(District(name="半途写入"))
        session.flush()
        raise error

    return save_row


def test_a_post_that_fails_after_writing_commits_nothing(db, make, login, monkeypatch):
    from engage.community import services
    from engage.errors import Invalid

    community = make.community()
    micro_grid = make.micro_grid(make.grid(community))
    monkeypatch.setattr(services, "save_row", _write_then_refuse(Invalid("不行")))
    client = login(make.user("staff", community=community))
    client.post(
        "/community/households/new",
        data={"micro_grid_id": micro_grid.id, "address": "新地址", "head_name": "王五", "size": 2},
    )
    assert _count(db, Household) == 0
    assert db.session.scalar(select(District).where(District.name == "半途写入")) is None


def test_a_forbidden_post_keeps_its_security_record_and_nothing_else(db, make, login, monkeypatch):
    from engage.community import services
    from engage.errors import Forbidden

    community = make.community()
    micro_grid = make.micro_grid(make.grid(community))
    staff = make.user("staff", community=community)
    monkeypatch.setattr(services, "save_row", _write_then_refuse(Forbidden()))
    response = login(staff).post(
        "/community/households/new",
        data={"micro_grid_id": micro_grid.id, "address": "新地址", "head_name": "王五", "size": 2},
    )
    assert response.status_code == 403
    assert _count(db, Household) == 0
    assert db.session.scalar(select(District).where(District.name == "半途写入")) is None
    assert (
        db.session.scalar(
            select(AuthEvent.event).where(AuthEvent.user_id == staff.id, AuthEvent.event == "forbidden")
        )
        == "forbidden"
    )


def test_reading_a_personal_record_keeps_its_access_log_though_get_writes_nothing(db, make, login):
    community = make.community()
    household = make.household(make.micro_grid(make.grid(community)))
    client = login(make.user("staff", community=community))
    assert client.get(f"/community/households/{household.id}").status_code == 200
    assert db.session.scalar(select(AccessLog.subject)) == f"households:{household.id}"


def test_the_member_card_page_issues_no_card_on_a_get(db, make, login):
    resident = make.user("resident")
    page = login(resident).get("/mall/card").get_data(as_text=True)
    assert 'data-test="no-card"' in page
    assert _count(db, MemberCard) == 0


def test_the_mall_without_a_counter_shows_nothing_and_opens_none(db, make, login):
    from marketplace.models import Location

    resident = make.user("resident")
    assert login(resident).get("/mall/").status_code == 200
    assert _count(db, Location) == 0


def test_committed_security_records_are_no_longer_kept(db, make):
    from engage.audit.services import KEPT_RECORDS, record_access

    record_access(db.session, make.user("staff"), "households:1", "view")
    assert db.session.info[KEPT_RECORDS]
    db.session.commit()
    assert KEPT_RECORDS not in db.session.info
