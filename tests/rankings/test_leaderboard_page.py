"""The volunteers' leaderboard page ("排行"), rendered from the tallies ``tick`` rebuilds."""

from __future__ import annotations

import re

from engage.ledger.services import award_points, issue_budget
from engage.periods import containing
from engage.rankings.leaderboards import rebuild_tallies
from points.base import utcnow
from tests.rankings.conftest import SHANGHAI


def test_the_page_ranks_by_points_and_shows_the_volunteers_own_rank(db, make, street, signed_in):
    issue_budget(db.session, street.admin, street.community.id, 1_000, "预算")
    first, second = (make.user("volunteer", community=street.community) for _ in range(2))
    award_points(db.session, street.staff, first.id, 50, "奖励")
    award_points(db.session, street.staff, second.id, 30, "奖励")
    rebuild_tallies(db.session, zone=SHANGHAI, now=utcnow())
    db.session.commit()
    month = containing(utcnow(), "month", SHANGHAI).label
    response = signed_in(second).get(f"/rankings/volunteers?period={month}&scope=street")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    board = page.split('data-test="leaderboard"')[1].split("</ol>")[0]
    assert re.findall(r"(\d+) 积分", board) == ["50", "30"]
    assert "我的排名：第 2 名 · 30 积分" in page
    by_hours = signed_in(street.staff).get("/rankings/volunteers?by=hours").get_data(as_text=True)
    assert 'value="hours" selected' in by_hours and 'data-test="my-rank"' not in by_hours
