"""The units' rankings (考核排名): a district's departments, streets or communities ranked
for a month (``YYYY-MM``) or a quarter (``YYYY-Qn``) by a weighted score of the 三率 and
timeliness, published and frozen like the property lists (engage/rankings/snapshots.py).

The rates are the units' figures for the period, exactly as engage/orders/appraisal.py
counts them (``figures_of``; nothing is counted again here), as fractions with four
decimals: 响应率 ``response_rate``, 解决率 ``resolution_rate``, 满意率 ``satisfaction_rate``
and 按时率 ``timeliness_rate`` = (received − overdue) / received.

**Score** (0–100, two decimals, half up) = 100 × Σ weight × rate / Σ weight, over the
rates that have a value and a weight above 0. A rate without a value (nothing received, or
no callback) is left out and the others' weights carry the mean, as for the property
lists: a unit is not marked down for what it was never asked.

**Weights** are set by the district's command centre, 0–100 each and one above 0. The
defaults (``DEFAULT_WEIGHTS``) follow the usual weighting of the 三率 in 接诉即办 appraisal
— 响应率 10 %, 解决率 and 满意率 45 % each — with 10 of the resolution's and satisfaction's
share given to timeliness: response 10, resolution 40, satisfaction 40, timeliness 10.
A published ranking keeps the weights it was computed with (its ``rule``).

**Unranked**: a unit none of whose weighed rates has a value — nothing received and no
callback in the period — has no score and no rank. It is still listed, after the ranked
ones, so that the public sees it had nothing to be judged on, not that it was left out.
(A deactivated department is listed only when something was counted.)

**Ranks**: highest score first; equal scores share a rank and the next rank skips
(1, 2, 2, 4); within a tie, and among the unranked, units are listed in the order they
were created.

Worked example (default weights 10/40/40/10; November, 城管, 住建, 水务, 供电, 市场监管):

======== ======== ============== ======= ========= ========= ======= =====================
unit     received signed_on_time replied callbacks satisfied overdue rates (响应/解决/满意/按时)
======== ======== ============== ======= ========= ========= ======= =====================
城管     4        3              2       2         1         1       .75 / .5 / .5 / .75
住建     2        2              2       0         0         0       1 / 1 / — / 1
水务     1        1              0       1         1         1       1 / 0 / 1 / 0
供电     0        0              0       0         0         0       — / — / — / —
======== ======== ============== ======= ========= ========= ======= =====================

- 城管: (10 × .75 + 40 × .5 + 40 × .5 + 10 × .75) / 100 × 100 = 55.00.
- 住建: no callback, so satisfaction is left out: (10 × 1 + 40 × 1 + 10 × 1) / 60 × 100 = 100.00.
- 水务: (10 × 1 + 40 × 0 + 40 × 1 + 10 × 0) / 100 × 100 = 50.00.
- 供电: nothing counted: listed, unranked (rank and score null).

Ranks: 住建 1, 城管 2, 水务 3, 供电 unranked. Had 市场监管 scored 55.00 too it would share
rank 2 with 城管, and 水务 would be 4th.

Who: the command centre (``district_admin``) sets the weights, sees the live ranking and
publishes; anyone reads what was published (the public page, the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import require_role
from engage.errors import Forbidden, Invalid
from engage.orders.appraisal import UnitFigures, figures_of
from engage.periods import Period, parse_label
from engage.persistence import upsert
from engage.rankings import snapshots
from engage.rankings.models import WEIGHTS, UnitRanking, UnitRankingEntry, UnitRankingWeights
from engage.scope import scope_of
from engage.units.services import overseen_units, routable_units
from engage.validation import choice, whole
from points.base import utcnow

RANKED_KINDS = ("department", "street", "community")
PERIOD_KINDS = ("month", "quarter")
DEFAULT_WEIGHTS = {"response": 10, "resolution": 40, "satisfaction": 40, "timeliness": 10}
# Which of the figures' rates each weight applies to.
RATE_OF = {
    "response": "response_rate",
    "resolution": "resolution_rate",
    "satisfaction": "satisfaction_rate",
    "timeliness": "timeliness_rate",
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Standing:
    """One unit in a live ranking: its figures, score and rank (None: unranked)."""

    figures: UnitFigures
    score: float | None
    rank: int | None

    @property
    def rates(self) -> dict[str, float | None]:
        return rates_of(self.figures)


def rates_of(figures: UnitFigures) -> dict[str, float | None]:
    """The four rates the score weighs, as the figures give them."""
    return {rate: getattr(figures, rate) for rate in RATE_OF.values()}


def period(label: str, zone: ZoneInfo) -> Period:
    """A month or a quarter; anything else is ``Invalid`` on ``period``."""
    return parse_label(label, zone, kinds=PERIOD_KINDS)


def ranked_kind(kind) -> str:
    return choice(kind, "kind", RANKED_KINDS)


def score(rates: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """The weighted score (module docstring), or None when no weighed rate has a value."""
    weighed = [
        (weights[name], Decimal(str(rates[rate])))
        for name, rate in RATE_OF.items()
        if weights[name] and rates[rate] is not None
    ]
    total = sum(weight for weight, _rate in weighed)
    if not total:
        return None
    mean = sum(weight * rate for weight, rate in weighed) * 100 / total
    return float(mean.quantize(CENT, rounding=ROUND_HALF_UP))


def standings(figures: list[UnitFigures], weights: dict[str, int]) -> list[Standing]:
    """Scored and ranked (module docstring): ranked first, highest score first, ties sharing
    a rank; then the unranked. ``figures`` come in the units' creation order, kept in ties."""
    scored = [(f, score(rates_of(f), weights)) for f in figures]
    ranked = sorted((pair for pair in scored if pair[1] is not None), key=lambda pair: -pair[1])
    found, previous, rank = [], None, 0
    for position, (f, value) in enumerate(ranked, start=1):
        if value != previous:
            rank, previous = position, value
        found.append(Standing(f, value, rank))
    return found + [Standing(f, None, None) for f, value in scored if value is None]


def _district(session: Session, actor: User) -> int:
    """The command centre's district (only the command centre ranks its units)."""
    require_role(actor, "district_admin")
    district_id = scope_of(session, actor).district_id
    if district_id is None:
        raise Forbidden()
    return district_id


def weights_of(session: Session, district_id: int) -> dict[str, int]:
    """The district's weights, or the defaults while it has set none (reading writes nothing)."""
    row = session.get(UnitRankingWeights, district_id)
    return {name: getattr(row, name) for name in WEIGHTS} if row else dict(DEFAULT_WEIGHTS)


def district_weights(session: Session, actor: User) -> dict[str, int]:
    return weights_of(session, _district(session, actor))


def set_weights(session: Session, actor: User, values: dict[str, object]) -> dict[str, int]:
    """The command centre weighs the 三率 and timeliness: 0–100 each, at least one above 0.
    Published rankings keep the weights they were computed with."""
    district_id = _district(session, actor)
    weights = {name: whole(values.get(name), name, 0, 100) for name in WEIGHTS}
    if not any(weights.values()):
        raise Invalid(str(_("至少一项指标的权重要大于0。")))
    upsert(
        session,
        UnitRankingWeights,
        {"district_id": district_id},
        {**weights, "updated_by_id": actor.id, "updated_at": utcnow()},
    )
    return weights


def _standings(
    session: Session, actor: User, kind: str, label: str, weights: dict[str, int], zone: ZoneInfo, now
) -> list[Standing]:
    figures = figures_of(session, overseen_units(session, actor, (kind,)), period(label, zone), now=now)
    active = {unit.id for unit in routable_units(session, actor, kind)}
    return standings([f for f in figures if f.unit.id in active or f.received or f.callbacks], weights)


def live(
    session: Session,
    actor: User,
    kind: str,
    label: str,
    *,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[Standing]:
    """The ranking as it stands now, with the district's current weights (command centre only)."""
    district_id, kind = _district(session, actor), ranked_kind(kind)
    return _standings(session, actor, kind, label, weights_of(session, district_id), zone, now)


def publish(
    session: Session,
    actor: User,
    kind: str,
    label: str,
    *,
    zone: ZoneInfo,
    note: str | None = "",
    now: datetime | None = None,
) -> UnitRanking:
    """Freeze the live ranking as the period's next version (a republish needs ``note``)."""
    district_id, kind = _district(session, actor), ranked_kind(kind)
    weights = weights_of(session, district_id)
    rows = _standings(session, actor, kind, label, weights, zone, now)
    return snapshots.publish(
        session,
        UnitRanking,
        {"district_id": district_id, "kind": kind},
        label,
        actor=actor,
        rule={"weights": weights},
        note=note,
        entries=[_entry(position, row) for position, row in enumerate(rows, start=1)],
    )


def _entry(position: int, row: Standing) -> UnitRankingEntry:
    f = row.figures
    return UnitRankingEntry(
        unit_id=f.unit.id,
        position=position,
        name=f.unit.name,
        rank=row.rank,
        score=row.score,
        **row.rates,
        figures={k: v for k, v in f.as_json().items() if not k.endswith("_rate")},
    )


def published(
    session: Session, district_id: int, kind: str, label: str, version: int | None = None
) -> UnitRanking | None:
    """What the public sees: the period's latest published version, or the one asked for."""
    key = {"district_id": district_id, "kind": ranked_kind(kind)}
    if version is None:
        return snapshots.latest(session, UnitRanking, key, label)
    return next(
        (r for r in snapshots.versions(session, UnitRanking, key, label) if r.version == version), None
    )


def versions(session: Session, district_id: int, kind: str, label: str) -> list[UnitRanking]:
    return snapshots.versions(
        session, UnitRanking, {"district_id": district_id, "kind": ranked_kind(kind)}, label
    )


def last_published_period(session: Session, district_id: int, kind: str) -> str:
    """The period published most recently (what the public page opens on), or ""."""
    key = {"district_id": district_id, "kind": ranked_kind(kind)}
    last = snapshots.last_published(session, UnitRanking, key)
    return last.period if last else ""


def published_periods(session: Session, district_id: int, kind: str) -> list[str]:
    return snapshots.published_periods(
        session, UnitRanking, {"district_id": district_id, "kind": ranked_kind(kind)}
    )
