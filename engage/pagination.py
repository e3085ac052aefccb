"""One way to cut a query into pages, for pages and the API alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

# Rows counted at most: a district's archive of a million requests would otherwise be
# counted in full for every page of it (the way GitLab shows "10,000+").
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    # False when there are more than COUNT_LIMIT rows: ``total`` is then COUNT_LIMIT.
    exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (not self.exact and len(self.items) == self.per_page)

    def as_json(self, serialize: Callable[[Any], dict]) -> dict:
        """The list shape of docs/api.md ("Conventions")."""
        return {
            "items": [serialize(item) for item in self.items],
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "total_exact": self.exact,
        }


MAX_PAGE = 10**6


def clamped(page: int) -> int:
    """Pages read ``page`` from the query string: an oversized number would overflow the
    database's OFFSET instead of simply showing nothing."""
    return min(max(page, 1), MAX_PAGE)


def count_rows(session: Session, stmt: Select, *, at_most: int | None = None) -> int:
    """How many rows ``stmt`` gives; with ``at_most``, counting no further than one past it
    (enough to tell "more than", without reading a district's whole archive)."""
    rows = stmt.order_by(None)
    if at_most is not None:
        rows = rows.limit(at_most + 1)
    return session.scalar(select(func.count()).select_from(rows.subquery()))


def paginate(session: Session, stmt: Select, *, page: int, per_page: int) -> Page:
    page = clamped(page)
    counted = count_rows(session, stmt, at_most=COUNT_LIMIT)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, min(counted, COUNT_LIMIT), page, per_page, exact=counted <= COUNT_LIMIT)
