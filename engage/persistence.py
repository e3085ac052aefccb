"""Two patterns every capability's services share."""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
