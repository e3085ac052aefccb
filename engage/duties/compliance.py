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

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES
from engage.community.models import Grid, Household, MicroGrid
from engage.community.services import administered_community_ids
from engage.duties.care import policy_frequencies, visible_targets
from engage.duties.models import CHECK_ITEMS, CareTarget, DutyEvent, HouseholdCheck, Visit
from engage.duties.schedule import next_due
from engage.errors import Forbidden
from engage.periods import Period, chosen_or_this_month, following_period, period_start
from points.base import utcnow

STALE_DAYS = 180


def parse_period(value: str | None, zone: ZoneInfo) -> Period:
    """``YYYY-MM`` (default: the current month) as a local calendar month."""
    return chosen_or_this_month(value, zone, kinds=("month",))


def _rate(met: int, due: int) -> float | None:
    return round(met / due, 4) if due else None


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
        return {"period": self.period,
                "must_arrive": {"rate": _rate(self.arrive_on_time, self.arrive_on_time + self.arrive_late),
                                "on_time": self.arrive_on_time, "late": self.arrive_late},
                "must_know": {"rate": _rate(self.know_fresh, self.know_total), "fresh": self.know_fresh,
                              "items": self.know_total},
                "must_visit": {"rate": _rate(self.visit_met, self.visit_due), "met": self.visit_met,
                               "due": self.visit_due, "overdue": self.overdue}}


def grid_ids_in_scope(session: Session, actor: User) -> list[int]:
    """Staff: their communities' grids; a grid worker: the grids they serve."""
    if actor.has_role(*STAFF_ROLES):
        return list(session.scalars(select(Grid.id).where(
            Grid.community_id.in_(administered_community_ids(session, actor)))))
    if actor.has_role("grid_worker"):
        return list(session.scalars(select(Grid.id).where(Grid.grid_worker_id == actor.id)))
    raise Forbidden()


def figures(session: Session, actor: User, period: Period, *, stale_days: int = STALE_DAYS,
            now: datetime | None = None, community_ids: list[int] | None = None) -> Figures:
    """The caller's scope: their grids' events and households, the targets they may see —
    within ``community_ids`` if given (the leaders' dashboard showing one community)."""
    return figures_over(session, actor, [period], stale_days=stale_days, now=now, community_ids=community_ids)[0]


def figures_over(session: Session, actor: User, periods: list[Period], *, stale_days: int = STALE_DAYS,
                 now: datetime | None = None, community_ids: list[int] | None = None) -> list[Figures]:
    """The same for each period of a trend, with the caller's scope looked up once."""
    grids, targets = grid_ids_in_scope(session, actor), visible_targets(session, actor)
    if community_ids is not None:
        grids = list(session.scalars(select(Grid.id).where(Grid.id.in_(grids), Grid.community_id.in_(community_ids))))
        targets = targets.where(CareTarget.community_id.in_(community_ids))
    return [_compute(session, grids, targets, period, stale_days=stale_days, now=now) for period in periods]


def figures_for_grids(session: Session, community_id: int, period: Period, *, zone: ZoneInfo,
                      stale_days: int = STALE_DAYS, now: datetime | None = None) -> Figures:
    """A whole community, for the kept weekly and monthly reports (counts only, no names)."""
    grids = list(session.scalars(select(Grid.id).where(Grid.community_id == community_id)))
    targets = select(CareTarget).where(CareTarget.community_id == community_id, CareTarget.active.is_(True))
    return _compute(session, grids, targets, period, stale_days=stale_days, now=now)


def figures_by_grid(session: Session, actor: User, period: Period, *, stale_days: int = STALE_DAYS,
                    now: datetime | None = None) -> list[tuple[Grid, Figures]]:
    """The same figures for each grid (and so each grid worker) in the caller's scope."""
    grids = session.scalars(select(Grid).where(Grid.id.in_(grid_ids_in_scope(session, actor))).order_by(Grid.id))
    targets = visible_targets(session, actor)
    return [(grid, _compute(session, [grid.id], targets.where(CareTarget.grid_id == grid.id),
                            period, stale_days=stale_days, now=now)) for grid in grids]


def _compute(session: Session, grids: list[int], targets, period: Period, *, stale_days: int,
             now: datetime | None) -> Figures:
    as_of = min(period.end.astimezone(timezone.utc), now or utcnow())
    on_time, late = _arrivals(session, grids, period, as_of)
    fresh, total = _knowledge(session, grids, as_of, stale_days)
    met, due, overdue = _visits(session, targets, period, as_of, period.start.tzinfo)
    return Figures(period.label, on_time, late, fresh, total, met, due, overdue)


def _arrivals(session: Session, grids: list[int], period: Period, as_of: datetime) -> tuple[int, int]:
    events = session.scalars(select(DutyEvent).where(
        DutyEvent.grid_id.in_(grids), DutyEvent.reported_at >= period.start, DutyEvent.reported_at < period.end))
    on_time = late = 0
    for event in events:
        if event.arrived_at is not None and event.arrived_at <= event.arrive_by:
            on_time += 1
        elif event.arrived_at is not None or event.arrive_by <= as_of:
            late += 1
    return on_time, late


def _knowledge(session: Session, grids: list[int], as_of: datetime, stale_days: int) -> tuple[int, int]:
    households = select(Household.id).join(MicroGrid, MicroGrid.id == Household.micro_grid_id).where(
        MicroGrid.grid_id.in_(grids))
    total = session.scalar(select(func.count()).select_from(households.subquery())) * len(CHECK_ITEMS)
    fresh = session.scalar(select(func.count()).select_from(HouseholdCheck).where(
        HouseholdCheck.household_id.in_(households), HouseholdCheck.confirmed_at <= as_of,
        HouseholdCheck.confirmed_at > as_of - timedelta(days=stale_days)))
    return fresh, total


def _visits(session: Session, targets, period: Period, as_of: datetime, zone) -> tuple[int, int, int]:
    """Three queries whatever the number of targets: the targets, their visits, the policies."""
    rows = session.scalars(targets.where(CareTarget.created_at < period.end)).all()
    visits: dict[int, list[datetime]] = {}
    for target_id, visited_at in session.execute(select(Visit.target_id, Visit.visited_at).where(
            Visit.target_id.in_([t.id for t in rows]), Visit.visited_at <= as_of)):
        visits.setdefault(target_id, []).append(visited_at)
    frequencies = policy_frequencies(session, {t.community_id for t in rows})
    met = due = overdue = 0
    for target in rows:
        frequency = target.frequency or frequencies[target.community_id, target.category]
        seen = visits.get(target.id, [])
        start = period_start(max(target.created_at, period.start - timedelta(days=92)), frequency, zone)
        while (end := following_period(start, frequency)) <= as_of:
            if end > period.start and start >= period_start(target.created_at, frequency, zone):
                due += 1
                met += any(start <= v < end for v in seen)
            start = end
        overdue += next_due(max(seen, default=None), frequency, zone, now=target.created_at) <= as_of
    return met, due, overdue
