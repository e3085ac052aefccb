"""Patterns every capability's services share."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from points.db import READING

from engage.auth.models import User
from engage.errors import DomainError, NotFound

Row = TypeVar("Row")


def add_unique(session: Session, row: Row, refusal: DomainError) -> Row:
    """Insert in a savepoint: a unique constraint, not a prior read, decides whether it is a
    duplicate (so two requests at once cannot both pass), and the caller's transaction lives on."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise refusal from None
    return row


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
    own.expire_on_commit, keep = False, own.expire_on_commit
    try:
        own.commit()
    finally:
        own.expire_on_commit = keep
