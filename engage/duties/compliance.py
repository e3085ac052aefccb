"""4/6/8 compliance for a month, in the caller's scope (a grid worker: their grids and
targets; staff: their community; a street admin: the street's communities).

The rules, so that a figure can be checked by hand:
- 必到 (must arrive): events reported in the month; on time if the worker arrived by
  ``arrive_by``. Events still within their time are not counted yet.
  rate = on time / (on time + late).
- 必清 (must know): every household × six items; an item counts if it was confirmed
  within ``stale_days`` before the end of the month (or now, for the current month).
  rate = fresh items / all items.
- 必访 (must visit): every visit period (week, month or quarter, by policy) of every
  active target that ended within the month, since the target was registered; a period
  is met if a visit falls inside it. rate = periods met / periods due. ``overdue``
  counts targets whose last visit before the end of the month (or now) left them past due.
A rate is ``None`` when nothing was due.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.community.models import Grid, Household, MicroGrid
from engage.duties.care import policy_frequencies, visible_targets
from engage.duties.models import CHECK_ITEMS, CareTarget, DutyEvent, HouseholdCheck, Visit
from engage.duties.schedule import next_due
from engage.errors import Forbidden
from engage.periods import Period, chosen_or_this_month, following_period, period_start, rate
from engage.persistence import count_if
from engage.scope import scope_of
from points.base import utcnow


def parse_period(value: str | None, zone: ZoneInfo) -> Period:
    """``YYYY-MM`` (default: the current month) as a local calendar month."""
    return chosen_or_this_month(value, zone, kinds=("month",))


@dataclass(frozen=True)
class Figures:
    period: str
    arrive_on_time: int
    arrive_late: int
    know_fresh: int
    know_total: int
    visit_met: int
    visit_due: int
    overdue: int

    def as_json(self) -> dict:
        return {
            "period": self.period,
            "must_arrive": {
                "rate": rate(self.arrive_on_time, self.arrive_on_time + self.arrive_late),
                "on_time": self.arrive_on_time,
                "late": self.arrive_late,
            },
            "must_know": {
                "rate": rate(self.know_fresh, self.know_total),
                "fresh": self.know_fresh,
                "items": self.know_total,
            },
            "must_visit": {
                "rate": rate(self.visit_met, self.visit_due),
                "met": self.visit_met,
                "due": self.visit_due,
                "overdue": self.overdue,
            },
        }


def grid_ids_in_scope(session: Session, actor: User, community_ids: list[int] | None = None) -> list[int]:
    """Staff: their communities' grids; a grid worker: the grids they serve — of those,
    only the ones in ``community_ids`` if given."""
    if actor.has_role(*STAFF_ROLES):
        mine = scope_of(session, actor).administered(Grid.community_id)
    elif actor.has_role("grid_worker"):
        mine = Grid.grid_worker_id == actor.id
    else:
        raise Forbidden()
    query = select(Grid.id).where(mine)
    if community_ids is not None:
        query = query.where(Grid.community_id.in_(community_ids))
    return list(session.scalars(query))


def figures(
    session: Session,
    actor: User,
    period: Period,
    *,
    stale_days: int,
    now: datetime | None = None,
    community_ids: list[int] | None = None,
) -> Figures:
    """The caller's scope: their grids' events and households, the targets they may see —
    within ``community_ids`` if given (the leaders' dashboard showing one community)."""
    return figures_over(
        session, actor, [period], stale_days=stale_days, now=now, community_ids=community_ids
    )[0]


def figures_over(
    session: Session,
    actor: User,
    periods: list[Period],
    *,
    stale_days: int,
    now: datetime | None = None,
    community_ids: list[int] | None = None,
) -> list[Figures]:
    """The same for each of one or more periods (a trend), from one load of the caller's scope."""
    grids, targets = grid_ids_in_scope(session, actor, community_ids), visible_targets(session, actor)
    if community_ids is not None:
        targets = targets.where(CareTarget.community_id.in_(community_ids))
    return _Facts.load(session, grids, targets, periods, stale_days, now).figures()


def figures_for_grids(
    session: Session,
    community_id: int,
    period: Period,
    *,
    zone: ZoneInfo,
    stale_days: int,
    now: datetime | None = None,
) -> Figures:
    """A whole community, for the kept weekly and monthly reports (counts only, no names)."""
    grids = list(session.scalars(select(Grid.id).where(Grid.community_id == community_id)))
    targets = select(CareTarget).where(CareTarget.community_id == community_id, CareTarget.active.is_(True))
    return _Facts.load(session, grids, targets, [period], stale_days, now).figures()[0]


def figures_by_grid(
    session: Session,
    actor: User,
    period: Period,
    *,
    stale_days: int,
    now: datetime | None = None,
) -> list[tuple[Grid, Figures]]:
    """The same figures for each grid (and so each grid worker) in the caller's scope."""
    grids = session.scalars(
        select(Grid).where(Grid.id.in_(grid_ids_in_scope(session, actor))).order_by(Grid.id)
    ).all()
    targets = visible_targets(session, actor)
    facts = _Facts.load(session, [grid.id for grid in grids], targets, [period], stale_days, now)
    return [(grid, facts.of_grid(grid.id).figures()[0]) for grid in grids]


@dataclass(frozen=True)
class _Facts:
    """What the figures of some periods are worked out from, each kind loaded once for all
    of them: a page with a trend of fourteen periods, or a row per grid, costs six queries."""

    periods_as_of: list[tuple[Period, datetime]]  # each period, and the moment its figures are as of
    events: list[tuple[int, datetime, datetime, datetime | None]]  # grid, reported, arrive by, arrived
    households: dict[int, int]  # grid: how many
    fresh: dict[int, list[int]]  # grid: items confirmed recently enough, as of each period
    targets: list[CareTarget]
    visits: dict[int, list[datetime]]  # target: when visited
    frequencies: dict[tuple[int, str], str]

    @classmethod
    def load(
        cls,
        session: Session,
        grids: list[int],
        targets,
        periods: list[Period],
        stale_days: int,
        now: datetime | None,
    ) -> _Facts:
        as_of = [(period, min(period.end.astimezone(UTC), now or utcnow())) for period in periods]
        start, end = min(p.start for p in periods), max(p.end for p in periods)
        events = session.execute(
            select(DutyEvent.grid_id, DutyEvent.reported_at, DutyEvent.arrive_by, DutyEvent.arrived_at).where(
                DutyEvent.grid_id.in_(grids), DutyEvent.reported_at >= start, DutyEvent.reported_at < end
            )
        ).all()
        households = dict(
            session.execute(
                select(MicroGrid.grid_id, func.count(Household.id))
                .join(Household, Household.micro_grid_id == MicroGrid.id)
                .where(MicroGrid.grid_id.in_(grids))
                .group_by(MicroGrid.grid_id)
            ).all()
        )
        rows = session.scalars(targets.where(CareTarget.created_at < end)).all()
        latest = max(moment for _, moment in as_of)
        visits: dict[int, list[datetime]] = {}
        for target_id, visited_at in session.execute(
            select(Visit.target_id, Visit.visited_at).where(
                Visit.target_id.in_([t.id for t in rows]), Visit.visited_at <= latest
            )
        ):
            visits.setdefault(target_id, []).append(visited_at)
        return cls(
            as_of,
            events,
            households,
            _fresh(session, grids, [moment for _, moment in as_of], stale_days),
            rows,
            visits,
            policy_frequencies(session, {t.community_id for t in rows}),
        )

    def of_grid(self, grid_id: int) -> _Facts:
        return replace(
            self,
            events=[e for e in self.events if e[0] == grid_id],
            households={g: n for g, n in self.households.items() if g == grid_id},
            fresh={g: n for g, n in self.fresh.items() if g == grid_id},
            targets=[t for t in self.targets if t.grid_id == grid_id],
        )

    def figures(self) -> list[Figures]:
        return [
            Figures(
                period.label,
                *self._arrivals(period, as_of),
                *self._knowledge(n),
                *self._visits(period, as_of),
            )
            for n, (period, as_of) in enumerate(self.periods_as_of)
        ]

    def _arrivals(self, period: Period, as_of: datetime) -> tuple[int, int]:
        on_time = late = 0
        for _grid, reported, arrive_by, arrived in self.events:
            if not period.start <= reported < period.end:
                continue
            if arrived is not None and arrived <= arrive_by:
                on_time += 1
            elif arrived is not None or arrive_by <= as_of:
                late += 1
        return on_time, late

    def _knowledge(self, n: int) -> tuple[int, int]:
        """Fresh items and all items as of the ``n``-th period."""
        return sum(counts[n] for counts in self.fresh.values()), sum(self.households.values()) * len(
            CHECK_ITEMS
        )

    def _visits(self, period: Period, as_of: datetime) -> tuple[int, int, int]:
        zone = period.start.tzinfo
        met = due = overdue = 0
        for target in self.targets:
            if target.created_at >= period.end:  # not yet registered: a visit recorded as made
                continue  # earlier must not make it overdue
            frequency = target.frequency or self.frequencies[target.community_id, target.category]
            seen = [v for v in self.visits.get(target.id, []) if v <= as_of]
            start = period_start(max(target.created_at, period.start - timedelta(days=92)), frequency, zone)
            while (end := following_period(start, frequency)) <= as_of:
                if end > period.start and start >= period_start(target.created_at, frequency, zone):
                    due += 1
                    met += any(start <= v < end for v in seen)
                start = end
            overdue += next_due(max(seen, default=None), frequency, zone, now=target.created_at) <= as_of
        return met, due, overdue


def _fresh(
    session: Session, grids: list[int], moments: list[datetime], stale_days: int
) -> dict[int, list[int]]:
    """Per grid, the items confirmed within ``stale_days`` before each moment: counted by
    the database, one column a moment, rather than every confirmation fetched."""
    stale = timedelta(days=stale_days)
    counts = [
        count_if((HouseholdCheck.confirmed_at > moment - stale) & (HouseholdCheck.confirmed_at <= moment))
        for moment in moments
    ]
    return {
        grid: [int(n) for n in row]
        for grid, *row in session.execute(
            select(MicroGrid.grid_id, *counts)
            .join(Household, Household.id == HouseholdCheck.household_id)
            .join(MicroGrid, MicroGrid.id == Household.micro_grid_id)
            .where(
                MicroGrid.grid_id.in_(grids),
                HouseholdCheck.confirmed_at <= max(moments),
                HouseholdCheck.confirmed_at > min(moments) - stale,
            )
            .group_by(MicroGrid.grid_id)
        )
    }
