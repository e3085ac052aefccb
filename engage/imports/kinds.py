"""What every kind of import shares: its columns, how a sheet's rows become validated
records, and what planning one file yields (created, updated, unchanged, refused).

A kind (one module each: households, residents, volunteers, care targets) declares its
columns, parses one row into a record (the one place a row is validated) and plans the
records of a file against the database: each row becomes a ``Change`` carrying the write
it needs, or a ``Refusal``. Nothing is written while planning, so the same plan answers a
preview, a dry run and, once nothing is refused, the import itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage import crypto
from engage.community.models import Community, MicroGrid
from engage.errors import Invalid
from engage.privacy import mask_id_number

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# Rows per IN (…) list: well below SQLite's bound-parameter limit.
CHUNK = 500


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet. ``header`` is the file format (always Chinese, whatever the
    page's language); ``note`` says what it accepts."""

    header: str
    field: str
    example: str
    required: bool = False
    note: Any = ""


@dataclass(frozen=True)
class Target:
    """Where a file's rows go: a community (and so its street and district)."""

    community: Community


@dataclass(frozen=True)
class Context:
    """What planning and writing need besides the rows: the session, the target, the key that
    encrypts ID numbers and restricted notes, and the zone visit due dates are computed in."""

    session: Session
    target: Target
    key: str
    zone: ZoneInfo

    @property
    def community_id(self) -> int:
        return self.target.community.id


@dataclass(frozen=True)
class Refusal:
    row: int
    reason: str


@dataclass
class Change:
    """What importing one row does; ``write`` does it (None when unchanged); ``sensitive``
    counts the encrypted fields it writes."""

    row: int
    outcome: str
    write: Callable[[], None] | None = None
    sensitive: int = 0


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    def refuse(self, row: int, reason) -> None:
        self.refusals.append(Refusal(row, str(reason)))

    def add(
        self, row: int, outcome: str, write: Callable[[], None] | None = None, sensitive: int = 0
    ) -> None:
        self.changes.append(Change(row, outcome, write if outcome != UNCHANGED else None, sensitive))


class Kind:
    """Base of every kind: subclasses set the class attributes and implement ``parse`` and ``plan``."""

    name: str
    title: Any
    columns: tuple[Column, ...]
    key_note: Any  # which columns match a row to what is stored, for the template

    def parse(self, cells: dict[str, str]) -> Any:
        """The validated record of one row (cells by field, trimmed, "" when blank); raises ``Invalid``."""
        raise NotImplementedError

    def plan(self, context: Context, records: list[tuple[int, Any]]) -> Plan:
        raise NotImplementedError

    def example(self) -> dict[str, str]:
        return {column.field: column.example for column in self.columns}


def stronger(one: str, other: str) -> str:
    """One row's outcome from two things it does: created if it creates anything, else updated
    if it changes anything."""
    order = (UNCHANGED, UPDATED, CREATED)
    return max(one, other, key=order.index)


def then(first: Callable[[], Any], second: Callable[[], Any] | None) -> Callable[[], None]:
    """One row's write from two: the thing it hangs off first."""

    def both() -> None:
        first()
        if second is not None:
            second()

    return both


def reason(error: Invalid) -> str:
    """A refusal's text: the column and what is wrong with it."""
    if error.fields:
        return "；".join(f"{name}：{message}" for name, message in error.fields.items())
    return error.message


def required(cells: dict[str, str], column: Column) -> str:
    value = cells.get(column.field, "")
    if not value:
        raise Invalid.field(column.header, _("必填。"))
    return value


def chunks(values: Iterable) -> Iterable[list]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def first_rows(records: Sequence[tuple[int, Any]], key: Callable[[Any], Any], plan: Plan, what) -> list:
    """The records whose key no earlier row of the file had; a later one is refused, naming the first."""
    seen: dict[Any, int] = {}
    kept = []
    for row, record in records:
        earlier = seen.setdefault(key(record), row)
        if earlier != row:
            plan.refuse(row, _("%(what)s与第 %(row)d 行重复。", what=what, row=earlier))
        else:
            kept.append((row, record))
    return kept


def micro_grids_by_name(session: Session, community_id: int) -> dict[str, int | None]:
    """The community's micro-grids by name; a name two of them share maps to None (ambiguous)."""
    found: dict[str, int | None] = {}
    for micro_grid_id, name in session.execute(
        select(MicroGrid.id, MicroGrid.name).where(MicroGrid.community_id == community_id)
    ):
        found[name] = None if name in found else micro_grid_id
    return found


def resolve(names: dict[str, int | None], name: str, header: str, what) -> int:
    """The id of the named row of the community, or ``Invalid`` saying none or several have it."""
    if name not in names:
        raise Invalid.field(header, _("本社区没有名为“%(name)s”的%(what)s。", name=name, what=what))
    if names[name] is None:
        raise Invalid.field(
            header, _("本社区有多个名为“%(name)s”的%(what)s，请先改名。", name=name, what=what)
        )
    return names[name]


@dataclass(frozen=True)
class Secret:
    """An ID number as stored: encrypted, with its masked form for lists."""

    cipher: str
    masked: str

    @classmethod
    def of(cls, key: str, number: str) -> Secret:
        return cls(crypto.encrypt(key, number), mask_id_number(number))


def same_secret(key: str, cipher: str | None, plain: str) -> bool:
    """Whether the stored ciphertext holds ``plain``: Fernet is randomised, so decrypt and
    compare, never compare ciphertexts."""
    return cipher is not None and crypto.decrypt(key, cipher) == plain
