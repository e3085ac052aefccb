"""Scoring property companies (红色物业) for a period, and the rules of the red and yellow lists.

Score: the weighted mean of the criteria that have a value, weights as configured for the
street (a criterion without data — no rated orders, no staff score yet — is left out and
the others' weights carry the mean). Computed criteria, from orders placed in the
micro-grids of the company's compounds during the period, and from the activities of its
staff:
- 居民满意度 (satisfaction): mean rating × 20 (5★ = 100);
- 响应办结 (response_time): share of the orders closed in the period that closed by their
  resolve deadline × 100;
- 投诉情况 (complaints): 100 − 20 per complaint (社情民意 orders and ratings of 1–2★), not below 0;
- 志愿服务参与 (volunteer_hours): the company staff's service hours × 10, at most 100;
- 必到响应 (must_arrive, weight 0 until a street gives it one): the share of 4 必到 events in
  the grids of the company's micro-grids that the grid worker reached in time × 100.
Ranks: highest score first; a tie goes to the higher satisfaction score, then to the
company registered first. Every company gets its own rank number.
Lists (configurable per publication, defaults in DEFAULT_RULE): red = the top ``red_top``
with a score of at least ``red_min``; yellow = a score below ``yellow_below``, or among the
last ``yellow_last`` — with the criteria under ``yellow_below`` as the reasons.
金牌红色物业 (gold): on the red list of this quarter and the two published before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.activities.models import Activity, Enrollment
from engage.auth.models import User
from engage.community.models import Compound, MicroGrid, PropertyCompany
from engage.duties.models import DutyEvent
from engage.orders.models import OrderCategory, ServiceOrder
from engage.orders.queries import closed_at
from engage.periods import Period
from engage.persistence import count_if
from engage.rankings.models import Criterion, ManualScore

DEFAULT_CRITERIA = (
    ("theory", "理论宣讲", 15, "manual"),
    ("civilization", "文明创建", 15, "manual"),
    ("volunteering", "志愿服务参与", 15, "volunteer_hours"),
    ("satisfaction", "居民满意度", 25, "satisfaction"),
    ("response", "响应办结", 15, "response_time"),
    ("complaints", "投诉情况", 15, "complaints"),
    ("arrival", "必到响应", 0, "must_arrive"),
)
DEFAULT_RULE = {"red_top": 3, "red_min": 80, "yellow_below": 60, "yellow_last": 1}


def add_default_criteria(session: Session, street_id: int) -> list[Criterion]:
    """Written when a street is created, so that admins can reweigh them and staff score by
    them (reading the criteria never writes them)."""
    rows = [
        Criterion(street_id=street_id, code=code, name=name, weight=weight, source=source, position=i)
        for i, (code, name, weight, source) in enumerate(DEFAULT_CRITERIA)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def street_criteria(session: Session, street_id: int) -> list[Criterion]:
    return list(
        session.scalars(
            select(Criterion)
            .where(Criterion.street_id == street_id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


@dataclass
class Evaluation:
    company: PropertyCompany
    score: float | None
    breakdown: dict = field(default_factory=dict)
    rank: int = 0
    listed: str | None = None
    reasons: list[str] = field(default_factory=list)
    gold: bool = False


def _orders(session: Session, company_id: int, period: Period):
    grids = (
        select(MicroGrid.id)
        .join(Compound, Compound.id == MicroGrid.compound_id)
        .where(Compound.property_company_id == company_id)
    )
    return select(ServiceOrder).where(
        ServiceOrder.micro_grid_id.in_(grids),
        ServiceOrder.created_at >= period.start,
        ServiceOrder.created_at < period.end,
    )


def computed(session: Session, company_id: int, period: Period) -> dict[str, tuple[float | None, str]]:
    """The four data-driven criteria: (score or None, what it is based on)."""
    orders = _orders(session, company_id, period).subquery()
    mean, rated = session.execute(select(func.avg(orders.c.rating), func.count(orders.c.rating))).one()
    closing = closed_at()
    closed, on_time = session.execute(
        select(func.count(), count_if(closing.c.at <= orders.c.resolve_by))
        .select_from(orders)
        .join(closing, closing.c.order_id == orders.c.id)
    ).one()
    complaints = session.scalar(
        select(func.count())
        .select_from(orders)
        .join(OrderCategory, OrderCategory.id == orders.c.category_id)
        .where((OrderCategory.code == "feedback") | (orders.c.rating <= 2))
    )
    minutes = session.scalar(
        select(func.coalesce(func.sum(Enrollment.minutes), 0))
        .join(Enrollment.activity)
        .join(User, User.id == Enrollment.volunteer_id)
        .where(
            User.property_company_id == company_id,
            Activity.starts_at >= period.start,
            Activity.starts_at < period.end,
        )
    )
    grids = (
        select(MicroGrid.grid_id)
        .join(Compound, Compound.id == MicroGrid.compound_id)
        .where(Compound.property_company_id == company_id)
    )
    events, in_time = session.execute(
        select(func.count(), count_if(DutyEvent.arrived_at <= DutyEvent.arrive_by)).where(
            DutyEvent.grid_id.in_(grids),
            DutyEvent.reported_at >= period.start,
            DutyEvent.reported_at < period.end,
        )
    ).one()
    return {
        "must_arrive": (round(in_time * 100 / events, 1) if events else None, f"{in_time}/{events}"),
        "satisfaction": (round(float(mean) * 20, 1) if rated else None, f"{float(mean or 0):.1f}★ × {rated}"),
        "response_time": (round(on_time * 100 / closed, 1) if closed else None, f"{on_time}/{closed}"),
        "complaints": (float(max(0, 100 - 20 * complaints)), str(complaints)),
        "volunteer_hours": (float(min(100, minutes * 10 // 60)), f"{minutes / 60:g}h"),
    }


def evaluate(
    session: Session,
    street_id: int,
    period: Period,
    *,
    rule: dict | None = None,
    gold_history: dict[int, int] | None = None,
) -> list[Evaluation]:
    """Every company of the street scored, ranked and listed by the rule."""
    rule = {**DEFAULT_RULE, **(rule or {})}
    criteria = street_criteria(session, street_id)
    manual = {
        (m.company_id, m.criterion_id): m
        for m in session.scalars(select(ManualScore).where(ManualScore.period == period.label))
    }
    results = []
    for company in session.scalars(select(PropertyCompany).where(PropertyCompany.street_id == street_id)):
        data = computed(session, company.id, period)
        breakdown = {}
        for criterion in criteria:
            if criterion.source == "manual":
                given = manual.get((company.id, criterion.id))
                value, detail = (float(given.score), given.comment) if given else (None, "")
            else:
                value, detail = data[criterion.source]
            breakdown[criterion.code] = {
                "name": criterion.name,
                "weight": criterion.weight,
                "score": value,
                "detail": detail,
            }
        weighed = [
            (b["weight"], b["score"]) for b in breakdown.values() if b["score"] is not None and b["weight"]
        ]
        total = sum(w for w, _s in weighed)
        score = round(sum(w * s for w, s in weighed) / total, 2) if total else None
        results.append(Evaluation(company, score, breakdown))
    _rank(results, rule, gold_history or {})
    return results


def _rank(results: list[Evaluation], rule: dict, gold_history: dict[int, int]) -> None:
    def key(e: Evaluation):
        satisfaction = e.breakdown.get("satisfaction", {}).get("score")
        return (
            -(e.score if e.score is not None else -1),
            -(satisfaction if satisfaction is not None else -1),
            e.company.id,
        )

    results.sort(key=key)
    count = len(results)
    for position, e in enumerate(results, start=1):
        e.rank = position
        scored = e.score is not None
        if scored and position <= rule["red_top"] and e.score >= rule["red_min"]:
            e.listed = "red"
        elif scored and (e.score < rule["yellow_below"] or position > count - rule["yellow_last"]):
            e.listed = "yellow"
            e.reasons = [
                f"{b['name']} {b['score']:g}"
                for b in e.breakdown.values()
                if b["weight"] and b["score"] is not None and b["score"] < rule["yellow_below"]
            ] or ["排名末位"]
        e.gold = e.listed == "red" and gold_history.get(e.company.id, 0) >= 2
