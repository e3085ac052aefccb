"""INSERT … ON CONFLICT on either database: the one place that picks the dialect's INSERT.

It lives in ``points`` because the ledger needs it and may not import ``engage``;
``engage.persistence`` builds its upsert on it and callers use ``insert_unless_taken``.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from sqlalchemy import Row as StoredRow
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.expression import Executable

Row = TypeVar("Row")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(dialect: str, target):
    """``target``'s INSERT in this dialect's own form, which has ``on_conflict_do_*``."""
    return _INSERTS[dialect](target)


def insert_unless_taken(
    session: Session, model: type[Row], values: dict, columns: str | tuple[str, ...]
) -> Row | None:
    """INSERT one row unless its value of the unique ``columns`` is taken already, and
    return it as a persistent ORM object holding what the database stored; None if taken.

    The object is made from the row RETURNING gave (``make_transient_to_detached``): the
    ORM's loading machinery would cost more than the INSERT on these hot paths
    (redemptions, ledger transactions)."""
    stored = stored_unless_taken(session, model, values, columns)
    if stored is None:
        return None
    row = model(**stored._asdict())
    make_transient_to_detached(row)
    if (stale := session.identity_map.get(inspect(row).key)) is not None:
        session.expunge(stale)  # inserted by a transaction that rolled back, its id reused
    session.add(row)
    return row


def stored_unless_taken(
    session: Session, model: type, values: dict, columns: str | tuple[str, ...]
) -> StoredRow | None:
    """INSERT one row unless its value of the unique ``columns`` is taken already, and
    return what the database stored (every column read back by RETURNING, so column and
    server defaults are included, by attribute name); None if taken.

    The unique index decides, not a read beforehand, and without a SAVEPOINT: the
    dialect's ``INSERT … ON CONFLICT (columns) DO NOTHING`` (PostgreSQL waits for a writer
    of the same value to finish). A conflict on another unique constraint still raises
    ``IntegrityError``. It runs on the session's Connection: it loads no ORM object."""
    session.flush()  # the INSERT must see the session's pending changes (its foreign keys)
    connection = session.connection()
    statement = _insert_unless_taken(
        model, (columns,) if isinstance(columns, str) else columns, connection.dialect.name
    )
    return connection.execute(statement, values).one_or_none()


@cache
def _insert_unless_taken(model: type, columns: tuple[str, ...], dialect: str) -> Executable:
    """Built once per table, columns and dialect, so that SQLAlchemy compiles it once; it
    returns each column labelled with its attribute's name."""
    mapper = inspect(model)
    statement = dialect_insert(dialect, mapper.local_table).on_conflict_do_nothing(
        index_elements=list(columns)
    )
    return statement.returning(*(attr.columns[0].label(attr.key) for attr in mapper.column_attrs))
