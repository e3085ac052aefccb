"""Patterns every capability's services share."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from engage.auth.models import User
from engage.errors import DomainError, NotFound
from points.db import READING

Row = TypeVar("Row")
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def add_unique(session: Session, row: Row, refusal: DomainError) -> Row:
    """Insert in a savepoint: a unique constraint, not a prior read, decides whether it is a
    duplicate (so two requests at once cannot both pass), and the caller's transaction lives on."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise refusal from None
    return row


_INSERTS: dict[tuple, object] = {}  # prepared INSERT … RETURNING per table, dialect and skipped duplicate


def insert_row(session: Session, model: type[Row], values: dict, *, related: dict | None = None,
               unless_taken: str | None = None) -> Row | None:
    """INSERT one row and return it as a loaded ORM object, for hot paths.

    One prepared statement instead of the unit of work, and no reading back: ``values``
    must name every column but the primary key. ``related`` attaches objects already at
    hand (``{"reward": reward}``) so that touching them later costs no query.
    ``unless_taken`` names a unique column: if its value is taken already, nothing is
    inserted and None comes back — the unique index decides, not a read beforehand.
    """
    table = model.__table__
    if missing := set(table.columns.keys()) - set(table.primary_key.columns.keys()) - set(values):
        raise ValueError(f"insert_row({model.__name__}) needs a value for {sorted(missing)}")
    inserted = session.execute(_insert_statement(session, table, unless_taken), values).first()
    if inserted is None:
        return None
    row = model(**values)
    for name, value in zip(table.primary_key.columns.keys(), inserted):
        setattr(row, name, value)
    make_transient_to_detached(row)
    session.add(row)
    for name, value in (related or {}).items():
        set_committed_value(row, name, value)
    return row


def _insert_statement(session: Session, table: Table, unless_taken: str | None):
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get((table, dialect, unless_taken))
    if statement is None:
        if unless_taken is None:
            statement = insert(table)
        else:
            statement = _UPSERTS[dialect](table).on_conflict_do_nothing(index_elements=[unless_taken])
        statement = _INSERTS[(table, dialect, unless_taken)] = statement.returning(*table.primary_key.columns)
    return statement


def of_community(session: Session, model: type[Row], row_id: int, actor: User) -> Row:
    """A row of the caller's community; another community's row is as absent as a missing one."""
    row = session.get(model, row_id)
    if row is None or row.community_id != actor.community_id:
        raise NotFound()
    return row


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
