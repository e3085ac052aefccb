"""Volunteer leaderboards by points and by hours, per community and street, per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.activities.models import Activity, Enrollment
from engage.ledger.services import award_points, issue_budget
from engage.periods import containing
from engage.rankings.leaderboards import leaderboard, my_rank, rebuild_tallies
from points.base import utcnow
from tests.rankings.conftest import SHANGHAI


def _serve(db, staff, volunteer, minutes, start):
    activity = Activity(
        community_id=staff.community_id,
        kind="patrol",
        title="巡逻",
        location="小区",
        starts_at=start,
        ends_at=start + timedelta(hours=10),
        capacity=9,
        enrolled=1,
        points_per_hour=0,
        created_by_id=staff.id,
    )
    db.session.add(activity)
    db.session.flush()
    db.session.add(
        Enrollment(
            activity_id=activity.id,
            volunteer_id=volunteer.id,
            status="enrolled",
            minutes=minutes,
            points_awarded=0,
        )
    )


def test_boards_by_points_and_hours_with_ties_and_scopes(db, make, street):
    issue_budget(db.session, street.admin, street.community.id, 10_000, "预算")
    ann, bob, cai = (make.user("volunteer", community=street.community) for _ in range(3))
    next_door = make.community(street.street)
    neighbour = make.user("volunteer", community=next_door)
    issue_budget(db.session, street.admin, next_door.id, 1_000, "预算")
    for volunteer, amount in ((ann, 30), (bob, 50), (cai, 30)):
        award_points(db.session, street.staff, volunteer.id, amount, "奖励")
    now = utcnow()
    _serve(db, street.staff, ann, 120, now)
    _serve(db, street.staff, cai, 60, now)
    _serve(db, street.staff, bob, 600, datetime(2025, 3, 1, tzinfo=UTC))  # long ago: all time only
    rebuild_tallies(db.session, zone=SHANGHAI, now=now)
    db.session.commit()
    month = containing(now, "month", SHANGHAI)
    by_points = leaderboard(db.session, ann, period=month)
    assert [(r.rank, r.user.id, r.points, r.minutes) for r in by_points] == [
        (1, bob.id, 50, 0),
        (2, ann.id, 30, 120),
        (3, cai.id, 30, 60),
    ]  # ann beats cai on hours
    assert [r.user.id for r in leaderboard(db.session, ann, period=month, by="hours")] == [
        ann.id,
        cai.id,
        bob.id,
    ]
    assert [r.user.id for r in leaderboard(db.session, ann, period=None, by="hours")][0] == bob.id
    assert neighbour.id not in {r.user.id for r in leaderboard(db.session, ann, period=None)}
    award_points(db.session, street.admin, neighbour.id, 99, "奖励")
    rebuild_tallies(db.session, zone=SHANGHAI, now=now)
    db.session.commit()
    assert leaderboard(db.session, street.admin, period=month, scope="street")[0].user.id == neighbour.id
    assert my_rank(db.session, cai, period=month).rank == 3
    assert rebuild_tallies(db.session, zone=SHANGHAI, now=now) == rebuild_tallies(
        db.session, zone=SHANGHAI, now=now
    )


def test_teams_are_ranked_by_their_members_hours(db, make, street):
    from engage.rankings.leaderboards import team_board
    from engage.volunteers.services import create_team, join_team

    patrol, rescue = (create_team(db.session, street.staff, name=n) for n in ("巡防联盟", "蓝天救援"))
    walker, diver = (make.user("volunteer", community=street.community) for _ in range(2))
    join_team(db.session, walker, patrol.id)
    join_team(db.session, diver, rescue.id)
    _serve(db, street.staff, walker, 60, utcnow())
    _serve(db, street.staff, diver, 180, utcnow())
    rebuild_tallies(db.session, zone=SHANGHAI, now=utcnow())
    db.session.commit()
    assert team_board(db.session, street.staff, period=None) == [
        ("蓝天救援", 1, 0, 180),
        ("巡防联盟", 1, 0, 60),
    ]
