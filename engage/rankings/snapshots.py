"""Published rankings, frozen: the one mechanism behind the property red and yellow lists
and the units' rankings (docs/design.md, "Rankings").

A ranking is computed live until someone publishes it. Publishing writes a snapshot: the
rows as they stand, with the rule (weights, list thresholds) they were computed with, who
published it and when. Nothing later changes a snapshot — not new data, not new weights.
Publishing the same period again writes the next version, and only with a reason
(``note``); earlier versions stay, and readers see the latest unless they ask for another.

A snapshot table mixes in ``Snapshot`` and has an ``entries`` relationship; what it is
published for (a street, a district and a kind of unit …) is its ``key``: a dict of
column values, the same for every version of one ranking.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, ForeignKey, Integer, String, and_, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import JSON

from engage.auth.models import User
from engage.errors import Conflict, Invalid
from engage.persistence import add_unique
from engage.validation import text
from points.base import UTCDateTime, utcnow

NOTE_MAX = 500


class Snapshot:
    """The columns every published ranking has; its table adds its key columns, a unique
    constraint on (key…, period, version), and ``entries``."""

    period: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    rule: Mapped[dict] = mapped_column(JSON)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")


Row = TypeVar("Row", bound=Snapshot)


def _of(model: type[Row], key: dict) -> ColumnElement[bool]:
    return and_(*(getattr(model, column) == value for column, value in key.items()))


def publish(
    session: Session,
    model: type[Row],
    key: dict,
    label: str,
    *,
    actor: User,
    rule: dict,
    note: str | None,
    entries: list,
) -> Row:
    """Freeze ``entries`` as the next version of the ranking ``key`` for ``label``. A
    republish needs a reason; two publishing at once both aim at the same next version and
    the unique constraint lets one through (the other is a ``Conflict``, nothing written)."""
    note = text(note, "note", NOTE_MAX, required=False)
    version = (
        session.scalar(select(func.max(model.version)).where(_of(model, key), model.period == label)) or 0
    ) + 1
    if version > 1 and not note:
        raise Invalid.field("note", _("重新发布请说明原因。"))
    snapshot = model(**key, period=label, version=version, rule=rule, published_by_id=actor.id, note=note)
    snapshot.entries = entries
    add_unique(session, snapshot, Conflict(str(_("有人刚刚发布了本期榜单，请刷新后再试。"))))
    return snapshot


def latest(session: Session, model: type[Row], key: dict, label: str) -> Row | None:
    """The version the public sees: the latest of the period, or None before the first."""
    return session.scalar(
        select(model).where(_of(model, key), model.period == label).order_by(model.version.desc()).limit(1)
    )


def versions(session: Session, model: type[Row], key: dict, label: str) -> list[Row]:
    """Every published version of the period, latest first (each with its reason)."""
    return list(
        session.scalars(
            select(model).where(_of(model, key), model.period == label).order_by(model.version.desc())
        )
    )


def last_published(session: Session, model: type[Row], key: dict) -> Row | None:
    """The most recent publication of the ranking, whatever its period."""
    return session.scalar(select(model).where(_of(model, key)).order_by(model.id.desc()).limit(1))


def published_periods(session: Session, model: type[Row], key: dict) -> list[str]:
    """The periods with a published version, latest first."""
    return list(
        session.scalars(select(model.period).where(_of(model, key)).distinct().order_by(model.period.desc()))
    )
