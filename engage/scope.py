"""The tenant scope: which district, street and communities one user acts in (docs/design.md, "Scoping").

It is worked out once per request (or CLI job) by ``Scope.of`` and carried by the acting
user (``scope_of``), so that every list and lookup asks it instead of deriving tenancy
again. The rule it encodes: staff act within their own community, a street admin within
every community of their street; everyone belongs to their own community and street, and
to the district above it (a command centre to the district it runs, a department member to
their department's).
Rows outside the scope are reported as ``NotFound``, so that their existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, event, func, inspect, select
from sqlalchemy.orm import InstrumentedAttribute, Session, column_property

from engage.auth.models import User
from engage.community.models import Community, Street
from engage.errors import NotFound
from engage.units.models import Department

Row = TypeVar("Row")
# Where an account belongs, loaded with the account itself (two correlated subqueries in
# the SELECT that loads a user), so that working a member's scope out costs no statement
# of its own: the street is the account's own or its community's; the district is the
# account's own, its street's, or else its department's.
_STREET = func.coalesce(
    User.street_id,
    select(Community.street_id)
    .where(Community.id == User.community_id)
    .correlate_except(Community)
    .scalar_subquery(),
)
User.home_street_id = column_property(_STREET)
User.home_district_id = column_property(
    func.coalesce(
        User.district_id,
        select(Street.district_id).where(Street.id == _STREET).correlate_except(Street).scalar_subquery(),
        select(Department.district_id)
        .where(Department.id == User.department_id)
        .correlate_except(Department)
        .scalar_subquery(),
    )
)


@dataclass(frozen=True)
class Scope:
    """What one user may reach. ``community_ids`` are the communities they administer
    (none unless staff or admin); ``community_id``, ``street_id`` and ``district_id`` are
    where they belong."""

    user_id: int
    roles: frozenset[str]
    community_id: int | None
    street_id: int | None
    community_ids: tuple[int, ...]
    district_id: int | None = None

    @classmethod
    def of(cls, session: Session, user: User) -> Scope:
        """The only constructor: the user's street and district (through their community or
        department when they have none of their own) come loaded with the user; a street
        admin's communities are read."""
        roles = frozenset(user.roles)
        if inspect(user).modified:
            session.flush()  # a place changed in this transaction is read again, not the loaded one
        street_id, district_id = user.home_street_id, user.home_district_id
        if "admin" in roles:
            administered = tuple(street_community_ids(session, street_id))
        elif "staff" in roles and user.community_id is not None:
            administered = (user.community_id,)
        else:
            administered = ()
        return cls(user.id, roles, user.community_id, street_id, administered, district_id)

    def administers(self, community_id: int | None) -> bool:
        return community_id is not None and community_id in self.community_ids

    def in_street(self, street_id: int | None) -> bool:
        return street_id is not None and street_id == self.street_id

    def administered(self, column: InstrumentedAttribute) -> ColumnElement[bool]:
        """A where-clause: ``column`` (a community id) is one this user administers."""
        return column.in_(self.community_ids)

    def own(self, session: Session, model: type[Row], row_id: int) -> Row:
        """A row of the user's own community; any other community's is as absent as a missing one."""
        row = session.get(model, row_id)
        if row is None or self.community_id is None or row.community_id != self.community_id:
            raise NotFound()
        return row

    def managed(self, session: Session, model: type[Row], row_id: int | None) -> Row:
        """A row of a community this user administers, else ``NotFound``."""
        row = session.get(model, row_id) if row_id else None
        if row is None or not self.administers(row.community_id):
            raise NotFound()
        return row


def street_community_ids(session: Session, street_id: int | None) -> list[int]:
    return list(
        session.scalars(select(Community.id).where(Community.street_id == street_id).order_by(Community.id))
    )


def scope_of(session: Session, actor: User) -> Scope:
    """The scope ``actor`` carries: worked out the first time its request or job asks, then
    kept on it until the transaction ends (what it was read from may change after that)."""
    if actor.scope is None:
        actor.scope = Scope.of(session, actor)
    return actor.scope


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_scopes(session: Session) -> None:
    for row in session.identity_map.values():
        if isinstance(row, User):
            row.scope = None
