"""INSERT … ON CONFLICT on either database: the one place that picks the dialect's INSERT.

It lives in ``points`` because the ledger needs it and may not import ``engage``;
``engage.persistence`` builds its upsert on it and callers use ``insert_unless_taken``.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

Row = TypeVar("Row")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(dialect: str, target):
    """``target``'s INSERT in this dialect's own form, which has ``on_conflict_do_*``."""
    return _INSERTS[dialect](target)


def insert_unless_taken(session: Session, model: type[Row], values: dict, column: str) -> Row | None:
    """INSERT one row unless ``column``'s value is taken already, and return it loaded as an
    ORM object (column defaults applied, read back by RETURNING); None if it was taken.

    The unique index decides, not a read beforehand, and without a SAVEPOINT: the
    dialect's ``INSERT … ON CONFLICT (column) DO NOTHING`` (PostgreSQL waits for a writer
    of the same value to finish). A conflict on another unique constraint still raises
    ``IntegrityError``."""
    statement = _insert_unless_taken(model, column, session.connection().dialect.name)
    return session.scalars(statement, values).one_or_none()


@cache
def _insert_unless_taken(model: type, column: str, dialect: str) -> Executable:
    """Built once per table, column and dialect, so that SQLAlchemy compiles it once."""
    table = model.__table__
    statement = dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=[column])
    return select(model).from_statement(statement.returning(*table.c))
