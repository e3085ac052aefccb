"""Who sees care targets, encrypted sensitive data, the access log, and recording visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.audit.models import AccessLog
from engage.duties import care
from engage.duties.models import CarePolicy, CareTarget, SensitiveGrant, Visit
from engage.errors import Forbidden, Invalid, NotFound
from points.base import utcnow
from tests.duties.conftest import SHANGHAI
from tests.factories import DATA_KEY, ApiClient, reread, together


def _api(make_app, user) -> ApiClient:
    return ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(user)


def _log_rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AccessLog))


def test_lists_are_masked_and_full_reads_are_logged_once_each(make_app, db, duty, target):
    elder = target(id_number="11010519491231002X", notes="独居，患高血压")
    api = _api(make_app, duty.worker)
    listed = api.get("/api/v1/duties/care-targets").json["items"]
    assert [(t["name"], t["phone"]) for t in listed] == [("张*明", "138****5678")]
    assert _log_rows(db) == 0
    full = api.get(f"/api/v1/duties/care-targets/{elder.id}").json
    assert (full["name"], full["phone"], full["id_number"], full["notes"]) == (
        "张三明",
        "13812345678",
        "11010519491231002X",
        "独居，患高血压",
    )
    api.get(f"/api/v1/duties/care-targets/{elder.id}")
    rows = db.session.scalars(select(AccessLog)).all()
    assert [(r.actor_id, r.subject) for r in rows] == [(duty.worker.id, f"care_target:{elder.id}")] * 2


def test_id_numbers_and_restricted_notes_are_encrypted_at_rest(db, duty, target):
    petitioner = target(category="petitioner", id_number="11010519491231002X", notes="多次赴京信访")
    row = db.session.execute(
        select(CareTarget.id_number_cipher, CareTarget.notes, CareTarget.notes_cipher).where(
            CareTarget.id == petitioner.id
        )
    ).one()
    assert "1101051949" not in row[0] and row[1] == "" and "信访" not in row[2]


@pytest.mark.parametrize("role", ["volunteer", "resident", "property_manager"])
def test_other_roles_get_nothing(make_app, make, db, duty, target, role):
    elder = target()
    outsider = _api(make_app, make.user(role, community=duty.community))
    assert outsider.get("/api/v1/duties/care-targets").status_code == 403
    assert outsider.get(f"/api/v1/duties/care-targets/{elder.id}").status_code == 403
    assert _log_rows(db) == 0


def test_another_communitys_staff_sees_nothing(make_app, make, db, duty, target):
    elder = target()
    other = _api(make_app, make.user("staff"))
    assert other.get("/api/v1/duties/care-targets").json["items"] == []
    assert other.get(f"/api/v1/duties/care-targets/{elder.id}").status_code == 404
    assert _log_rows(db) == 0


def test_restricted_categories_need_a_grant_even_for_staff(db, duty, target):
    hidden = [target(category=c) for c in ("mental_illness", "petitioner", "religious")]
    open_one = target(category="hardship")
    ids = lambda user: {t.id for t in db.session.scalars(care.target_list(db.session, user))}  # noqa: E731
    assert ids(duty.staff) == {open_one.id}
    assert ids(duty.worker) == {t.id for t in hidden} | {open_one.id}  # the assigned worker sees their own
    with pytest.raises(NotFound):
        care.open_record(db.session, duty.staff, hidden[1].id, purpose="test", key=DATA_KEY)
    care.grant_category(db.session, duty.admin, duty.staff.id, "petitioner")
    assert ids(duty.staff) == {open_one.id, hidden[1].id}
    with pytest.raises(Forbidden):
        care.grant_category(db.session, duty.staff, duty.staff.id, "religious")


def test_a_visit_moves_the_due_date_and_leaves_the_overdue_list(db, duty, target):
    elder = target(created_at=utcnow() - timedelta(days=30))
    assert [t.id for t in db.session.scalars(care.target_list(db.session, duty.worker, overdue=True))] == [
        elder.id
    ]
    care.record_visit(
        db.session,
        duty.worker,
        elder.id,
        visited_at=utcnow() - timedelta(minutes=5),
        kind="home",
        found="身体尚好",
        zone=SHANGHAI,
        key=DATA_KEY,
    )
    db.session.commit()
    assert list(db.session.scalars(care.target_list(db.session, duty.worker, overdue=True))) == []
    assert db.session.get(CareTarget, elder.id).next_visit_due > utcnow() + timedelta(days=6)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"visited_at": "2099-01-01T09:00:00+08:00", "kind": "home"}, 400),
        ({"visited_at": "yesterday", "kind": "home"}, 400),
        ({"visited_at": "2026-01-01T09:00:00+08:00", "kind": "carrier-pigeon"}, 400),
    ],
)
def test_bad_visits_are_refused_and_change_nothing(make_app, db, duty, target, body, status):
    elder = target()
    answer = _api(make_app, duty.worker).post("/api/v1/duties/visits", json={"target_id": elder.id, **body})
    assert answer.status_code == status and answer.json["error"]["code"] == "invalid_input"
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_a_worker_of_another_community_cannot_record_or_see(make_app, make, db, duty, target):
    stranger = make.user("grid_worker")
    elder = target()
    with pytest.raises(NotFound):
        care.record_visit(
            db.session, stranger, elder.id, visited_at=utcnow(), kind="home", zone=SHANGHAI, key=DATA_KEY
        )
    answer = _api(make_app, stranger).post(
        "/api/v1/duties/visits",
        json={"target_id": elder.id, "visited_at": utcnow().isoformat(), "kind": "home"},
    )
    assert answer.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_unknown_categories_are_refused(db, duty):
    with pytest.raises(Invalid):
        care.register_target(
            db.session,
            duty.staff,
            grid_id=duty.grid.id,
            category="vip",
            name="李四",
            zone=SHANGHAI,
            key=DATA_KEY,
        )
    assert db.session.scalar(select(func.count()).select_from(CareTarget)) == 0


def test_another_worker_of_the_community_is_told_the_target_is_not_theirs(db, make, duty, target):
    colleague = make.user("grid_worker", community=duty.community)
    elder = target()
    with pytest.raises(Forbidden) as refused:
        care.record_visit(
            db.session, colleague, elder.id, visited_at=utcnow(), kind="home", zone=SHANGHAI, key=DATA_KEY
        )
    assert "不是分配给您的" in refused.value.message


def test_a_category_policy_moves_the_due_dates_of_targets_without_their_own(db, duty, target):
    registered = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)  # mid-month, mid-quarter in Shanghai
    monthly, own = target("hardship", created_at=registered), target("hardship", frequency="week")
    assert monthly.next_visit_due == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 Dec, 00:00 local
    own_due = own.next_visit_due
    care.set_policy(db.session, duty.staff, "hardship", "quarter", zone=SHANGHAI)
    db.session.commit()
    assert care.policies(db.session, duty.staff)["hardship"] == "quarter"
    assert db.session.get(CareTarget, monthly.id).next_visit_due == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert db.session.get(CareTarget, own.id).next_visit_due == own_due
    with pytest.raises(Invalid):
        care.set_policy(db.session, duty.staff, "hardship", "daily", zone=SHANGHAI)


def test_the_grant_command_records_who_granted_it(app, db, duty, target):
    from engage.duties.models import SensitiveGrant

    hidden = target(category="religious")
    result = app.test_cli_runner().invoke(
        args=["engage", "grant", duty.staff.username, "religious", "--by", duty.admin.username]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(SensitiveGrant, (duty.staff.id, "religious")).granted_by_id == duty.admin.id
    assert hidden.id in {t.id for t in db.session.scalars(care.target_list(db.session, duty.staff))}
    refused = app.test_cli_runner().invoke(
        args=["engage", "grant", duty.staff.username, "religious", "--by", duty.staff.username]
    )
    assert refused.exit_code != 0


@pytest.mark.concurrency
def test_visits_recorded_at_once_keep_the_latest_as_last_visited(app, db, duty, target):
    elder_id, worker_id = target().id, duty.worker.id
    times = [utcnow() - timedelta(hours=hours) for hours in range(1, 7)]
    together(
        app,
        [
            lambda session, at=at: care.record_visit(
                session,
                session.get(type(duty.worker), worker_id),
                elder_id,
                visited_at=at,
                kind="home",
                zone=SHANGHAI,
                key=DATA_KEY,
            )
            for at in times
        ],
    )
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 6
    assert db.session.get(CareTarget, elder_id).last_visited_at == max(times)


@pytest.mark.concurrency
def test_a_policy_and_a_grant_set_at_once_are_one_row_each_and_no_error(app, db, duty):
    """Both were read-then-insert: the second of two at once failed on the primary key."""
    staff_id, admin_id = duty.staff.id, duty.admin.id
    results = together(
        app,
        [
            lambda session, f=f: care.set_policy(
                session, session.get(type(duty.staff), staff_id), "hardship", f, zone=SHANGHAI
            )
            for f in ("month", "quarter") * 3
        ]
        + [
            lambda session: care.grant_category(
                session, session.get(type(duty.admin), admin_id), staff_id, "petitioner"
            )
            for _ in range(4)
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)]
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(CarePolicy)) == 1
    assert db.session.scalar(select(func.count()).select_from(SensitiveGrant)) == 1
