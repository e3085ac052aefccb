"""Scoring by staff, publishing (which freezes a ranking), and companies' answers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Compound, PropertyCompany
from engage.errors import Forbidden, Invalid, NotFound
from engage.periods import Period, parse_label, previous_quarter
from engage.persistence import upsert
from engage.rankings import snapshots
from engage.rankings.models import Criterion, ManualScore, PropertyRanking, RankingEntry, YellowResponse
from engage.rankings.scoring import DEFAULT_RULE, Evaluation, evaluate, street_criteria
from engage.scope import scope_of
from engage.validation import text, whole

PERIOD_KINDS = ("month", "quarter")


def period(label: str, zone: ZoneInfo) -> Period:
    return parse_label(label, zone, kinds=PERIOD_KINDS)


def _street(session: Session, actor: User) -> int:
    street_id = scope_of(session, actor).street_id
    if street_id is None:
        raise Forbidden()
    return street_id


def score(
    session: Session,
    actor: User,
    label: str,
    company_id: int,
    criterion_id: int,
    value,
    comment: str,
    *,
    zone: ZoneInfo,
) -> ManualScore:
    """Staff score a manual criterion (理论宣讲, 文明创建 …) for a company and period, with a comment."""
    require_role(actor, *STAFF_ROLES)
    street_id, found = _street(session, actor), period(label, zone)
    company, criterion = session.get(PropertyCompany, company_id), session.get(Criterion, criterion_id)
    if company is None or company.street_id != street_id:
        raise NotFound()
    if company.id not in scorable_company_ids(session, actor):
        raise Forbidden(str(_("只能为服务本社区的物业公司评分。")))
    if criterion is None or criterion.street_id != street_id or criterion.source != "manual":
        raise Invalid.field("criterion_id", _("该指标由平台数据计算，不能手工评分。"))
    return upsert(
        session,
        ManualScore,
        {"period": found.label, "company_id": company.id, "criterion_id": criterion.id},
        {
            "score": whole(value, "score", 0, 100),
            "comment": text(comment, "comment", 500),
            "scored_by_id": actor.id,
        },
    )


def scorable_company_ids(session: Session, actor: User) -> set[int]:
    """The companies whose scores the actor may set: a street admin any of the street's,
    staff only those managing a compound of their own community (not their neighbours')."""
    if actor.has_role("admin"):
        return set(
            session.scalars(
                select(PropertyCompany.id).where(PropertyCompany.street_id == _street(session, actor))
            )
        )
    return set(
        session.scalars(
            select(Compound.property_company_id).where(
                scope_of(session, actor).administered(Compound.community_id),
                Compound.property_company_id.is_not(None),
            )
        )
    )


def preview(
    session: Session, actor: User, label: str, *, zone: ZoneInfo, rule: dict | None = None
) -> list[Evaluation]:
    """The ranking as it would be published now (staff and admins only)."""
    require_role(actor, *STAFF_ROLES)
    street_id = _street(session, actor)
    return evaluate(
        session,
        street_id,
        period(label, zone),
        rule=rule,
        gold_history=_red_streak(session, street_id, label),
    )


def _red_streak(session: Session, street_id: int, label: str) -> dict[int, int]:
    """For quarters: how many of the two published quarters before this one each company was red in."""
    if "Q" not in label:
        return {}
    streak: dict[int, int] = {}
    earlier = previous_quarter(label)
    for _step in range(2):
        ranking = latest(session, street_id, earlier)
        reds = {e.company_id for e in ranking.entries if e.list == "red"} if ranking else set()
        for company_id in reds:
            if streak.get(company_id, 0) == _step:
                streak[company_id] = _step + 1
        earlier = previous_quarter(earlier)
    return streak


def publish(
    session: Session, actor: User, label: str, *, zone: ZoneInfo, rule: dict | None = None, note: str = ""
) -> PropertyRanking:
    """Freeze the ranking (rankings.snapshots): later data changes nothing published.
    Publishing the same period again writes the next version (and the note says why);
    earlier versions stay."""
    require_role(actor, "admin")
    street_id = _street(session, actor)
    rule = {**DEFAULT_RULE, **(rule or {})}
    for key in DEFAULT_RULE:
        whole(rule[key], key, 0, 100)
    results = preview(session, actor, label, zone=zone, rule=rule)
    return snapshots.publish(
        session,
        PropertyRanking,
        {"street_id": street_id},
        label,
        actor=actor,
        rule=rule,
        note=note,
        entries=[
            RankingEntry(
                company_id=e.company.id,
                name=e.company.name,
                score=e.score or 0,
                rank=e.rank,
                list=e.listed,
                gold=e.gold,
                reasons=e.reasons,
                breakdown=e.breakdown,
            )
            for e in results
        ],
    )


def latest(session: Session, street_id: int, label: str) -> PropertyRanking | None:
    return snapshots.latest(session, PropertyRanking, {"street_id": street_id}, label)


def published_periods(session: Session, street_id: int) -> list[str]:
    return snapshots.published_periods(session, PropertyRanking, {"street_id": street_id})


def responses(session: Session, ranking: PropertyRanking) -> dict[int, list[YellowResponse]]:
    found: dict[int, list[YellowResponse]] = {}
    for row in session.scalars(
        select(YellowResponse)
        .where(YellowResponse.entry_id.in_([e.id for e in ranking.entries]))
        .order_by(YellowResponse.id)
    ):
        found.setdefault(row.entry_id, []).append(row)
    return found


def respond(session: Session, actor: User, entry_id: int, answer: str) -> YellowResponse:
    """A property manager answers their own company's yellow listing."""
    require_role(actor, "property_manager")
    entry = session.get(RankingEntry, entry_id)
    if entry is None or entry.company_id != actor.property_company_id:
        raise NotFound()
    if entry.list != "yellow":
        raise Invalid(str(_("只能回应黄榜。")))
    response = YellowResponse(entry_id=entry.id, author_id=actor.id, text=text(answer, "text", 2000))
    session.add(response)
    session.flush()
    return response


def my_company_entries(session: Session, actor: User) -> list[RankingEntry]:
    """A property manager's own company across all published rankings, latest first."""
    require_role(actor, "property_manager")
    return list(
        session.scalars(
            select(RankingEntry)
            .join(RankingEntry.ranking)
            .options(contains_eager(RankingEntry.ranking))
            .where(RankingEntry.company_id == actor.property_company_id)
            .order_by(PropertyRanking.period.desc(), PropertyRanking.version.desc())
        )
    )


def set_weights(session: Session, actor: User, weights: dict[int, object]) -> list[Criterion]:
    """Admins weigh their street's criteria (0–100 each; 0 leaves one out). Published rankings
    keep the weights they were computed with."""
    require_role(actor, "admin")
    rows = {c.id: c for c in street_criteria(session, _street(session, actor))}
    for criterion_id, weight in weights.items():
        if criterion_id not in rows:
            raise NotFound()
        rows[criterion_id].weight = whole(weight, f"weight-{criterion_id}", 0, 100)
    if not any(c.weight for c in rows.values()):
        raise Invalid(str(_("至少一项指标的权重要大于0。")))
    session.flush()
    return list(rows.values())


def criteria(session: Session, actor: User) -> list[Criterion]:
    require_role(actor, *STAFF_ROLES)
    return street_criteria(session, _street(session, actor))
