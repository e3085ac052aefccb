"""``tick`` is a list of jobs, each its own unit of work: a failure undoes only its own job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.activities import services as activities
from engage.activities.models import Enrollment
from engage.community.models import District
from engage.jobs import Job, run_jobs
from engage.ledger.services import issue_budget
from points.base import utcnow
from tests.factories import reread


def test_a_failing_job_is_rolled_back_and_reported_and_the_others_stay_committed(db):
    def add(name):
        def run(session):
            session.add(District(name=name))
            return {"streets": 1}

        return run

    def fail(session):
        session.add(District(name="半途"))
        raise RuntimeError("budget empty")

    report = run_jobs(db.session, [Job("one", add("一街道")), Job("bad", fail), Job("two", add("二街道"))])
    reread(db.session)
    assert set(db.session.scalars(select(District.name))) == {"一街道", "二街道"}
    assert report.counts == {"streets": 2}
    assert report.failures == ["bad: RuntimeError: budget empty"]


def _forgotten_check_out(db, make, *, funded: bool):
    """A community with an activity that has ended and a volunteer who never checked out."""
    street = make.street()
    community = make.community(street)
    staff = make.user("staff", community=community)
    volunteer = make.user("volunteer", community=community)
    if funded:
        issue_budget(
            db.session,
            make.user("admin", street_id=street.id, community=community),
            community.id,
            1_000,
            "活动预算",
        )
    start = utcnow() + timedelta(days=1)
    activity = activities.create_activity(
        db.session,
        staff,
        title="社区巡防",
        kind="patrol",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
        points_per_hour=10,
        location="社区服务中心",
    )
    enrollment = activities.enroll(db.session, volunteer, activity.id)
    activity.starts_at, activity.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    enrollment.checked_in_at = activity.starts_at
    db.session.commit()
    return community.id, enrollment.id


def test_tick_one_communitys_empty_budget_leaves_the_others_work_committed(app, db, make):
    broke, broke_enrollment = _forgotten_check_out(db, make, funded=False)
    _funded, paid_enrollment = _forgotten_check_out(db, make, funded=True)

    result = app.test_cli_runner().invoke(args=["engage", "tick"])

    assert result.exit_code == 1
    assert f"failed: check-outs (community {broke}): BudgetExhausted" in result.output
    assert "activity check-outs closed 1" in result.output and "orders reminded 0" in result.output
    reread(db.session)
    assert db.session.get(Enrollment, paid_enrollment).checked_out_at is not None
    assert db.session.get(Enrollment, broke_enrollment).checked_out_at is None
    assert (
        db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.points_awarded > 0))
        == 1
    )
