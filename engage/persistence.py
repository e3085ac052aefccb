"""Patterns every capability's services share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import ColumnElement, Insert, Table, bindparam, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.expression import Executable

from engage.errors import DomainError
from points.db import READING

Row = TypeVar("Row")
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition``: 0, not NULL, where none do or there are none."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def add_unique(session: Session, row: Row, refusal: DomainError) -> Row:
    """Insert in a savepoint: a unique constraint, not a prior read, decides whether it is a
    duplicate (so two requests at once cannot both pass), and the caller's transaction lives on."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise refusal from None
    return row


def upsert(
    session: Session,
    model: type[Row],
    key: dict,
    values: dict | None = None,
    *,
    new: dict | None = None,
    where: ColumnElement[bool] | None = None,
) -> Row:
    """The row whose unique ``key`` columns have these values, with ``values`` set on it:
    inserted (with ``new`` too) if missing, else updated (left as it is when ``values`` is
    empty). One statement, INSERT … ON CONFLICT, so two requests at once cannot both insert:
    the unique constraint on ``key`` (a partial unique index when ``where`` is given)
    decides, not a read beforehand.
    """
    values = values or {}
    statement = _UPSERTS[session.get_bind().dialect.name](model).values({**key, **(new or {}), **values})
    conflict = {"index_elements": list(key), "index_where": where}
    statement = (
        statement.on_conflict_do_update(**conflict, set_=values)
        if values
        else statement.on_conflict_do_nothing(**conflict)
    )
    session.execute(statement)
    found = select(model).filter_by(**key).execution_options(populate_existing=True)
    return session.scalars(found if where is None else found.where(where)).one()


class Prepared:
    """A Core statement that a hot path sends straight to the session's DBAPI cursor.

    SQLAlchemy's execution path costs more than a one-row INSERT or UPDATE takes, and a
    redemption runs several (figures in bench/results/).
    So the statement is compiled once per dialect, its values go through the column
    types as SQLAlchemy would send them, and a driver error comes back as SQLAlchemy's
    (an IntegrityError is caught alike wherever it was raised). It runs inside the
    session's transaction, after its pending changes are flushed (as ``execute`` would),
    so it commits or rolls back with everything else. Returns the driver's cursor:
    rowcount, or plain values fetched from RETURNING. Python-side column defaults are
    not applied: give every value.
    """

    def __init__(self, statement: Executable | Callable[[str], Executable]):
        self._statement = statement
        self._compiled: dict[tuple[str, str], _Compiled] = {}  # by dialect and driver

    def run(self, session: Session, params: dict):
        session.flush()
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get((dialect.name, dialect.driver)) or self._compile(dialect)
        values = compiled.values(params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, values, error, dialect.loaded_dbapi.Error) from error
        return cursor

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = (
            self._statement if isinstance(self._statement, Executable) else self._statement(dialect.name)
        )
        compiled = statement.compile(dialect=dialect)
        processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        literals = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        found = self._compiled[(dialect.name, dialect.driver)] = _Compiled(
            compiled.string, compiled.positiontup, processors, literals
        )
        return found


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: list[str] | None  # bind names in order for positional drivers (SQLite); None for named ones
    processors: dict[str, Callable | None]
    literals: dict[str, object]  # values written into the statement itself (``.limit(1)``)

    def values(self, params: dict):
        given = {**self.literals, **params}
        try:
            named = {
                name: given[name] if process is None else process(given[name])
                for name, process in self.processors.items()
            }
        except KeyError as missing:
            raise ValueError(f"no value given for {missing} (no column defaults are applied)") from None
        return named if self.order is None else [named[name] for name in self.order]


_INSERTS: dict[tuple, Prepared] = {}  # INSERT … RETURNING per table and skipped duplicate


def insert_row(
    session: Session,
    model: type[Row],
    values: dict,
    *,
    related: dict | None = None,
    unless_taken: str | None = None,
) -> Row | None:
    """INSERT one row and return it as a loaded ORM object, for hot paths.

    One prepared statement instead of the unit of work, and no reading back: ``values``
    must name every column but the primary key. ``related`` attaches objects already at
    hand (``{"reward": reward}``) so that touching them later costs no query.
    ``unless_taken`` names a unique column: if its value is taken already, nothing is
    inserted and None comes back — the unique index decides, not a read beforehand.
    """
    table = model.__table__
    statement = _INSERTS.get((table, unless_taken)) or _INSERTS.setdefault(
        (table, unless_taken), Prepared(partial(_insert_statement, table, unless_taken))
    )
    inserted = statement.run(session, values).fetchone()
    if inserted is None:
        return None
    row = model(**values)
    for name, value in zip(table.primary_key.columns.keys(), inserted, strict=True):
        setattr(row, name, value)
    make_transient_to_detached(row)
    session.add(row)
    for name, value in (related or {}).items():
        set_committed_value(row, name, value)
    return row


def inserting(table: Table, upsert: str | None = None) -> Insert:
    """An INSERT naming every column but the primary key, each a bind of its own name
    (what Prepared needs: it applies no column defaults), returning nothing unless asked.
    ``upsert`` picks the dialect's INSERT, which knows ON CONFLICT."""
    key = table.primary_key.columns
    return (
        (insert if upsert is None else _UPSERTS[upsert])(table)
        .inline()
        .values(
            {
                column.key: bindparam(column.key, type_=column.type)
                for column in table.columns
                if column.key not in key
            }
        )
    )


def _insert_statement(table: Table, unless_taken: str | None, dialect: str) -> Executable:
    key = table.primary_key.columns
    if unless_taken is None:
        return inserting(table).returning(*key)
    return inserting(table, dialect).on_conflict_do_nothing(index_elements=[unless_taken]).returning(*key)


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """Reads that need no write lock, done before the transaction that writes.

    SQLite has one writer at a time and every transaction here begins IMMEDIATE, so
    whatever a request reads inside its write transaction holds all other writers up.
    When the session has no transaction yet, the block runs in a plain SQLite read
    transaction that ends with the block and leaves what it loaded loaded; the writes
    that follow begin the write transaction. Inside a transaction already begun, and on
    PostgreSQL, the block is simply part of it. What must still hold when writing is
    checked again by the writes themselves (conditional updates, unique constraints).
    """
    own = session.registry() if isinstance(session, scoped_session) else session
    if own.in_transaction() or own.get_bind().dialect.name != "sqlite":
        yield
        return
    own.connection(execution_options=READING)
    try:
        yield
    except BaseException:
        own.rollback()
        raise
    keep = own.expire_on_commit
    own.expire_on_commit = False
    try:
        own.commit()
    finally:
        own.expire_on_commit = keep
