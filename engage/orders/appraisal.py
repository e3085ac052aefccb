"""The 三率 of a unit for a period: how it answered the requests routed to it.

Everything is counted from the order timeline (``order_events``), in SQL: on the unit path
each step records the unit it concerned (``unit_id``) and the deadline the request was
working against when the step was taken (``due``; engage/orders/services.py
``move_order``). A period is a month ``YYYY-MM`` (the figures page and API, the 三不放过
list) or a quarter ``YYYY-Qn`` (the quarterly rankings) in the configured zone
(engage/periods.py); a step belongs to the period in which its local time falls. Below,
"month" reads "quarter" for a quarter: nothing else changes.

For one unit U and one month M:

- **received**: 分拨 or 改派 steps to U in M (each receipt counts, so a request routed to U
  twice counts twice).
- **signed_on_time**: of those receipts, the ones whose next step — the first later 签收,
  改派, 退单 or 取消 of that request — is a 签收 taken by its deadline (``at <= due``, the
  ``sign_by`` then in force).
  **response_rate (响应率)** = signed_on_time / received.
- **replied**: of those receipts, the ones whose first later 反馈, 改派, 退单 or 取消 is a
  反馈 by its deadline (``resolve_by`` then in force, after any approved 延期), and that
  were not sent back to U by an unsatisfied callback (重办) afterwards.
  **resolution_rate (解决率)** = replied / received.
- **callbacks**: 回访 recorded in M for requests U handled, whoever recorded them (the
  dispatcher or the requester); **satisfied**: those answered 满意 or 基本满意 (the
  ``callback`` step; 不满意 is the ``redo`` step).
  **satisfaction_rate (满意率)** = satisfied / callbacks.
- **returned**: 退单 steps by U in M. **reopened**: 重办 steps (unsatisfied callbacks) sent
  back to U in M.
- **overdue**: receipts of M that missed a deadline: the next 签收 or 反馈 came after its
  deadline, or U still holds the request (its last receipt) unsigned past ``sign_by`` or
  unreplied past ``resolve_by`` at ``now``.
  **timeliness_rate (按时率)** = (received − overdue) / received: the receipts that missed
  no deadline (the unit rankings weigh it with the 三率, engage/rankings/unit_rankings.py).
- **escalated**: 督办 steps in M of requests U held, each raising a request it was late
  with one level or more (engage/orders/levels.py).
- **extended** (not one of the figures; the 三不放过 list counts it as stalling): 延期
  requests (``ask_extension`` steps) by U in M.

Rates are fractions 0..1 (``periods.rate``), or null when their denominator is 0. The
received-based counts follow the receipt's month even when the step comes later, so a
request assigned on the last evening of a month counts in that month, signed or not.

Every count is one of U's steps, so the counts of several units add up: a group of units
(a street and the units under it, engage/orders/comparison.py) has the sums of their
counts, and its rates are taken of those sums.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engage.auth.models import User
from engage.orders.models import OrderEvent, ServiceOrder
from engage.periods import Period, rate
from engage.persistence import count_if
from engage.units.services import UnitEntry, appraised_unit
from points.base import utcnow

RECEIPTS = ("assign", "reassign")
# The kinds of step the figures count (see ``_counted``).
COUNTED_KINDS = (*RECEIPTS, "callback", "redo", "return", "escalated")
# Steps after which a receipt's unit no longer holds the request.
LEAVES = ("reassign", "return", "cancel")


@dataclass(frozen=True)
class Tally:
    """The counts of one unit, or of a group of units, and the 三率 taken of them."""

    received: int = 0
    signed_on_time: int = 0
    replied: int = 0
    callbacks: int = 0
    satisfied: int = 0
    returned: int = 0
    reopened: int = 0
    overdue: int = 0
    escalated: int = 0

    @property
    def response_rate(self) -> float | None:
        return rate(self.signed_on_time, self.received)

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.replied, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.callbacks)

    @property
    def timeliness_rate(self) -> float | None:
        return rate(self.received - self.overdue, self.received)

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(Tally)}

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(self.counts().values(), other.counts().values(), strict=True)))

    def as_json(self) -> dict:
        """The API's shape (docs/api.md ``GET /units/<id>/figures``)."""
        return {
            **self.counts(),
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


@dataclass(frozen=True, kw_only=True)
class UnitFigures(Tally):
    unit: UnitEntry
    period: Period


def _next_step(receipt, kind: str):
    """The request's first step after the receipt that is ``kind`` or leaves the unit."""
    later = aliased(OrderEvent)
    first = (
        select(func.min(later.id))
        .where(later.order_id == receipt.order_id, later.id > receipt.id, later.kind.in_((kind, *LEAVES)))
        .correlate(receipt)
        .scalar_subquery()
    )
    step = aliased(OrderEvent)
    return step, step.id == first


def _took(receipt, kind: str, *, in_time: bool) -> ColumnElement[bool]:
    """The receipt's next step is ``kind``, taken by its deadline (or after it)."""
    step, is_next = _next_step(receipt, kind)
    timely = step.at <= step.due if in_time else step.at > step.due
    return exists().where(is_next, step.kind == kind, timely)


def _redone(receipt) -> ColumnElement[bool]:
    redo = aliased(OrderEvent)
    return exists().where(
        redo.order_id == receipt.order_id,
        redo.id > receipt.id,
        redo.kind == "redo",
        redo.unit_id == receipt.unit_id,
    )


def _held_past_due(receipt, now: datetime) -> ColumnElement[bool]:
    """The unit still holds the request from this (its last) receipt, past its deadline."""
    later = aliased(OrderEvent)
    order = aliased(ServiceOrder)
    return exists().where(
        order.id == receipt.order_id,
        order.handler_unit_id == receipt.unit_id,
        or_(
            and_(order.status == "assigned", order.sign_by < now),
            and_(order.status == "signed", order.resolve_by < now),
        ),
        ~exists()
        .where(later.order_id == receipt.order_id, later.id > receipt.id, later.kind.in_(RECEIPTS))
        .correlate(receipt),
    )


def _counted(step, now: datetime) -> dict[str, ColumnElement[bool]]:
    """What each figure counts, as a condition on one step of the timeline (the caller
    narrows the steps to the unit and the period), in ``UnitFigures``' order."""
    receipt = step.kind.in_(RECEIPTS)
    return {
        "received": receipt,
        "signed_on_time": receipt & _took(step, "sign", in_time=True),
        "replied": receipt & _took(step, "reply", in_time=True) & ~_redone(step),
        "callbacks": step.kind.in_(("callback", "redo")),
        "satisfied": step.kind == "callback",
        "returned": step.kind == "return",
        "reopened": step.kind == "redo",
        "overdue": receipt
        & or_(
            _took(step, "sign", in_time=False),
            _took(step, "reply", in_time=False),
            _held_past_due(step, now),
        ),
        "escalated": step.kind == "escalated",
    }


def _conditions(step, now: datetime) -> dict[str, ColumnElement[bool]]:
    """The figures' conditions and ``extended`` (延期 asked), which lists of steps also name."""
    return {**_counted(step, now), "extended": step.kind == "ask_extension"}


def _of_units(step, unit_ids: Select | list[int], period: Period) -> ColumnElement[bool]:
    return step.unit_id.in_(unit_ids) & (step.at >= period.start) & (step.at < period.end)


def tallies(
    session: Session, unit_ids: Select | list[int], period: Period, *, now: datetime | None = None
) -> dict[int, Tally]:
    """The counts of each of these units (a list, or a select of their ids) for the period, in
    one statement grouped by unit; units with no step in it are absent. The caller has
    checked that the actor may read them."""
    step = aliased(OrderEvent)
    counted = _counted(step, now or utcnow())
    rows = session.execute(
        select(step.unit_id, *(count_if(condition) for condition in counted.values()))
        # Every kind counted, named: the (unit_id, kind, at) index then reads only the
        # period of each, rather than every step the units ever took.
        .where(_of_units(step, unit_ids, period), step.kind.in_(COUNTED_KINDS))
        .group_by(step.unit_id)
    )
    return {unit_id: Tally(*(int(value) for value in counts)) for unit_id, *counts in rows}


def figures_of(
    session: Session, units: list[UnitEntry], period: Period, *, now: datetime | None = None
) -> list[UnitFigures]:
    """The figures of several units, in their order; a unit with no step in the period has
    every count 0 (``unit_figures`` for one unit; the rankings and the 三不放过 list for many)."""
    found = tallies(session, [unit.id for unit in units], period, now=now)
    return [UnitFigures(**found.get(unit.id, Tally()).counts(), unit=unit, period=period) for unit in units]


def steps_behind(
    session: Session,
    unit_ids: list[int],
    period: Period,
    names: tuple[str, ...],
    *,
    now: datetime | None = None,
) -> list[tuple[int, int, str]]:
    """``(unit id, order id, name)`` for every step of the period that the count ``name``
    (one of the figures, or ``extended``) counts for one of the units: the requests behind
    the numbers, by the same conditions. A step counted under two names is listed twice."""
    step = aliased(OrderEvent)
    conditions = _conditions(step, now or utcnow())
    rows: list[tuple[int, int, str]] = []
    for name in names:
        rows += [
            (unit_id, order_id, name)
            for unit_id, order_id in session.execute(
                select(step.unit_id, step.order_id)
                .where(_of_units(step, unit_ids, period), conditions[name])
                .order_by(step.id)
            )
        ]
    return rows


def unit_figures(
    session: Session, actor: User, unit_id: int, period: Period, *, now: datetime | None = None
) -> UnitFigures:
    """The unit's figures for the period, for its members and the dispatchers above it."""
    return figures_of(session, [appraised_unit(session, actor, unit_id)], period, now=now)[0]
