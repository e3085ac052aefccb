"""One way to cut a query into pages, for pages and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_PAGE = 10**6


def clamped(page: int) -> int:
    """Pages read ``page`` from the query string: an oversized number would overflow the
    database's OFFSET instead of simply showing nothing."""
    return min(max(page, 1), MAX_PAGE)


def count_rows(session: Session, stmt: Select) -> int:
    """How many rows ``stmt`` gives."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def paginate(session: Session, stmt: Select, *, page: int, per_page: int) -> Page:
    page = clamped(page)
    total = count_rows(session, stmt)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)
