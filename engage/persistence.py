"""Patterns every capability's services share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from engage.errors import DomainError
from points.db import READING
from points.inserts import dialect_insert

Row = TypeVar("Row")


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
    statement = dialect_insert(session.get_bind().dialect.name, model).values(
        {**key, **(new or {}), **values}
    )
    conflict = {"index_elements": list(key), "index_where": where}
    statement = (
        statement.on_conflict_do_update(**conflict, set_=values)
        if values
        else statement.on_conflict_do_nothing(**conflict)
    )
    session.execute(statement)
    found = select(model).filter_by(**key).execution_options(populate_existing=True)
    return session.scalars(found if where is None else found.where(where)).one()


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
