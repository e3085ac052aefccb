"""Departments, their members, the units a dispatcher may route a request to, and the two
questions every step of the unit path asks: who is a member of a unit, and who may
dispatch a request. They are answered here and nowhere else (services, pages and the API
all ask these functions).

Who reaches what (docs/design.md rule 5): the command centre (``district_admin``) its
whole district, a street admin their street, community staff their community; each of
them also reaches the district's active departments, which serve every street. ``Reach``
is that narrowing of the request's ``Scope`` (engage/scope.py) by role. Rows outside the
reach are ``NotFound``: their existence does not leak.

A member of a unit: of a department, an account with the role ``department`` attached to
it; of a street, its street admins; of a community, its staff; of a grid, its grid worker;
of a property company, its property managers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, false, null, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from engage.auth.models import User, UserRole
from engage.auth.permissions import require_role
from engage.auth.services import find_user
from engage.community.models import Community, Compound, Grid, PropertyCompany, Street
from engage.errors import Conflict, Forbidden, Invalid, NotFound
from engage.persistence import add_unique
from engage.scope import Scope, scope_of
from engage.units.models import UNIT_KINDS, Department, Unit
from engage.validation import text

MEMBER_ROLE = "department"
# The roles whose accounts can be members of a unit (see ``_member_of``).
MEMBER_ROLES = (MEMBER_ROLE, "admin", "staff", "grid_worker", "property_manager")


@dataclass(frozen=True)
class Reach:
    """Where one account may route requests: a district, narrowed to a street and then to
    a community for the levels below the command centre."""

    district_id: int
    street_id: int | None = None
    community_id: int | None = None


def reach_of(session: Session, actor: User) -> Reach:
    """The dispatcher's reach; anyone who does not dispatch is ``Forbidden``."""
    scope = scope_of(session, actor)
    if scope.district_id is None:
        raise Forbidden()
    if "district_admin" in scope.roles:
        return Reach(scope.district_id)
    if "admin" in scope.roles and scope.street_id is not None:
        return Reach(scope.district_id, scope.street_id)
    if "staff" in scope.roles and scope.community_id is not None:
        return Reach(scope.district_id, scope.street_id, scope.community_id)
    raise Forbidden()


@dataclass(frozen=True)
class UnitEntry:
    id: int
    kind: str
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class _Kind:
    """How one kind of unit is named, hangs under its parent unit, and is narrowed to a
    street and to a community."""

    model: type
    parent: Callable[[type], ColumnElement[bool]] | None
    in_street: Callable[[int], ColumnElement[bool]]
    in_community: Callable[[int], ColumnElement[bool]]
    usable: ColumnElement[bool] = true()


def _grids_of_street(street_id: int) -> ColumnElement[bool]:
    return Grid.community_id.in_(select(Community.id).where(Community.street_id == street_id))


def _companies_serving(community_id: int) -> ColumnElement[bool]:
    """A community reaches the property companies of its compounds."""
    return PropertyCompany.id.in_(
        select(Compound.property_company_id).where(Compound.community_id == community_id)
    )


KINDS = {
    "department": _Kind(Department, None, lambda s: true(), lambda c: true(), usable=Department.is_active),
    "street": _Kind(Street, None, lambda s: Street.id == s, lambda c: false()),
    "community": _Kind(
        Community,
        lambda parent: parent.street_id == Community.street_id,
        lambda s: Community.street_id == s,
        lambda c: Community.id == c,
    ),
    "grid": _Kind(
        Grid,
        lambda parent: parent.community_id == Grid.community_id,
        _grids_of_street,
        lambda c: Grid.community_id == c,
    ),
    "property_company": _Kind(
        PropertyCompany,
        lambda parent: parent.street_id == PropertyCompany.street_id,
        lambda s: PropertyCompany.street_id == s,
        _companies_serving,
    ),
}


def _units_query(reach: Reach, kind: str, *, usable_only: bool = True) -> Select:
    """Units of ``kind`` within the reach; with ``usable_only`` only those that take requests
    now (a deactivated department's history is still read, its routing is not)."""
    spec = KINDS[kind]
    parent = aliased(Unit)
    stmt = (
        select(Unit.id, Unit.kind, spec.model.name, parent.id if spec.parent else null())
        .join(spec.model, getattr(Unit, f"{kind}_id") == spec.model.id)
        .where(Unit.kind == kind, Unit.district_id == reach.district_id, spec.usable | (not usable_only))
        .order_by(Unit.id)
    )
    if spec.parent:
        stmt = stmt.outerjoin(parent, spec.parent(parent))
    if reach.community_id is not None:
        return stmt.where(spec.in_community(reach.community_id))
    if reach.street_id is not None:
        return stmt.where(spec.in_street(reach.street_id))
    return stmt


def routable_units(session: Session, actor: User, kind: str | None = None) -> list[UnitEntry]:
    """The units the actor may route a request to, of one kind or of every kind."""
    if kind is not None and kind not in UNIT_KINDS:
        raise Invalid.field("kind", _("可选值：%(values)s。", values="、".join(UNIT_KINDS)))
    reach = reach_of(session, actor)
    return [
        UnitEntry(*row)
        for each in ((kind,) if kind else UNIT_KINDS)
        for row in session.execute(_units_query(reach, each))
    ]


def routable_unit(session: Session, actor: User, unit_id: int, *, usable_only: bool = True) -> UnitEntry:
    """One unit the actor may route to (with ``usable_only=False`` also one that no longer
    takes requests, whose history they still read); any other (another district's) is not found."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    reach = reach_of(session, actor)
    row = session.execute(
        _units_query(reach, unit.kind, usable_only=usable_only).where(Unit.id == unit_id)
    ).first()
    if row is None:
        raise NotFound()
    return UnitEntry(*row)


def _serving(kind: str, street_id: int, community_id: int) -> ColumnElement[bool]:
    """Units of ``kind`` that serve a request of this community: departments always, its
    street, itself, its grids and the property companies of its compounds."""
    spec = KINDS[kind]
    return spec.in_street(street_id) if kind == "street" else spec.in_community(community_id)


def units_for_request(
    session: Session, actor: User, community_id: int, kind: str | None = None
) -> list[UnitEntry]:
    """The units the actor may route a request of ``community_id`` to: within the actor's
    reach and serving the request's place (the unit picker, and what 分拨 accepts)."""
    reach = reach_of(session, actor)
    street_id = session.get(Community, community_id).street_id
    return [
        UnitEntry(*row)
        for each in ((kind,) if kind else UNIT_KINDS)
        for row in session.execute(_units_query(reach, each).where(_serving(each, street_id, community_id)))
    ]


def unit_for_request(session: Session, actor: User, community_id: int, unit_id: int) -> UnitEntry:
    """One unit ``units_for_request`` offers, else ``NotFound``."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    found = [u for u in units_for_request(session, actor, community_id, unit.kind) if u.id == unit_id]
    if not found:
        raise NotFound()
    return found[0]


def _member_of() -> ColumnElement[bool]:
    """The one definition of membership: a ``User`` (through one of its ``UserRole`` rows)
    against a ``Unit``, usable in both directions (a user's units, a unit's members)."""
    grid_of_worker = select(Grid.id).where(Grid.grid_worker_id == User.id)
    return or_(
        and_(
            Unit.kind == "department", UserRole.role == MEMBER_ROLE, User.department_id == Unit.department_id
        ),
        and_(Unit.kind == "street", UserRole.role == "admin", User.street_id == Unit.street_id),
        and_(Unit.kind == "community", UserRole.role == "staff", User.community_id == Unit.community_id),
        and_(Unit.kind == "grid", UserRole.role == "grid_worker", Unit.grid_id.in_(grid_of_worker)),
        and_(
            Unit.kind == "property_company",
            UserRole.role == "property_manager",
            User.property_company_id == Unit.property_company_id,
        ),
    )


def member_unit_ids(actor: User) -> Select:
    """A select of the ids of the units the actor is a member of (for where-clauses)."""
    return (
        select(Unit.id)
        .join(User, User.id == actor.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(_member_of())
    )


def is_member(session: Session, actor: User, unit_id: int | None) -> bool:
    """Whether the actor acts for the unit (signs, returns, replies, reports in for it)."""
    if unit_id is None:
        return False
    return session.scalar(select(exists(member_unit_ids(actor).where(Unit.id == unit_id)))) or False


def unit_member_ids(session: Session, unit_id: int) -> list[int]:
    """The active accounts that act for the unit: whom its work is sent to."""
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Unit, Unit.id == unit_id)
            .where(_member_of(), User.is_active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )


def member_units(session: Session, actor: User) -> list[UnitEntry]:
    """The units the actor acts for (their 本单位待办 and figures pages)."""
    district_id = scope_of(session, actor).district_id
    if district_id is None:
        return []
    mine = member_unit_ids(actor)
    return [
        UnitEntry(*row)
        for kind in UNIT_KINDS
        for row in session.execute(
            _units_query(Reach(district_id), kind, usable_only=False).where(Unit.id.in_(mine))
        )
    ]


def appraised_unit(session: Session, actor: User, unit_id: int) -> UnitEntry:
    """A unit whose figures (三率) the actor may read: its own members, and the dispatchers
    above it — the command centre every unit of its district, a street admin the units of
    their street, community staff those of their community (a department, serving the
    whole district, only the command centre). Anyone else finds no such unit (``NotFound``)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    if is_member(session, actor, unit.id):
        reach = Reach(unit.district_id)
    else:
        try:
            reach = reach_of(session, actor)
        except Forbidden:
            raise NotFound() from None
        if unit.kind == "department" and reach != Reach(reach.district_id):
            raise NotFound()
    row = session.execute(_units_query(reach, unit.kind, usable_only=False).where(Unit.id == unit.id)).first()
    if row is None:
        raise NotFound()
    return UnitEntry(*row)


def overseen_units(session: Session, actor: User, kinds: tuple[str, ...] = UNIT_KINDS) -> list[UnitEntry]:
    """The units of ``kinds`` whose figures the actor reads as a dispatcher above them —
    ``appraised_unit``'s rule for many units at once: the command centre every unit of its
    district, a street admin those of their street, staff those of their community (a
    department only for the command centre). Deactivated departments too: their history is read."""
    reach = reach_of(session, actor)
    whole_district = reach == Reach(reach.district_id)
    return [
        UnitEntry(*row)
        for kind in kinds
        if kind != "department" or whole_district
        for row in session.execute(_units_query(reach, kind, usable_only=False))
    ]


def dispatched_by(session: Session, actor: User, column) -> ColumnElement[bool]:
    """A where-clause on a community-id column: requests the actor dispatches — staff their
    community's, a street admin their street's, the command centre its district's."""
    scope = scope_of(session, actor)
    if "district_admin" in scope.roles and scope.district_id is not None:
        # The district holds any community the account also administers: one IN, which
        # the planner can walk an index in order for (an OR of two would be merged and sorted).
        return column.in_(select(Community.id).join(Street).where(Street.district_id == scope.district_id))
    return scope.administered(column)


def may_dispatch(session: Session, actor: User, community_id: int) -> bool:
    """Whether the actor dispatches requests of this community (派单, 分拨, 回访, 延期审批)."""
    scope = scope_of(session, actor)
    if scope.administers(community_id):
        return True
    if "district_admin" not in scope.roles or scope.district_id is None:
        return False
    street = session.get(Street, session.get(Community, community_id).street_id)
    return street.district_id == scope.district_id


def _command_centre(session: Session, actor: User) -> int:
    """Only the command centre manages departments; the district it runs."""
    require_role(actor, "district_admin")
    district_id = scope_of(session, actor).district_id
    if district_id is None:
        raise Forbidden()
    return district_id


def departments(session: Session, actor: User) -> list[Department]:
    """Every department of the actor's district, active or not."""
    district_id = _command_centre(session, actor)
    return list(
        session.scalars(
            select(Department).where(Department.district_id == district_id).order_by(Department.id)
        )
    )


def get_department(session: Session, actor: User, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None or department.district_id != _command_centre(session, actor):
        raise NotFound()
    return department


def _taken() -> Conflict:
    return Conflict(str(_("本区已有同名部门。")), {"name": str(_("本区已有同名部门。"))})


def create_department(session: Session, actor: User, name: str) -> Department:
    """A new department, and with it (same flush) its unit."""
    department = Department(
        district_id=_command_centre(session, actor), name=text(name, "name", 80), is_active=True
    )
    add_unique(session, department, _taken())
    return department


def rename_department(session: Session, actor: User, department_id: int, name: str) -> Department:
    department = get_department(session, actor, department_id)
    department.name = text(name, "name", 80)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _taken() from None
    return department


def set_department_active(session: Session, actor: User, department_id: int, active: bool) -> Department:
    """A deactivated department is no longer offered for routing; its history stays."""
    department = get_department(session, actor, department_id)
    department.is_active = active
    session.flush()
    return department


def members(session: Session, actor: User, department_id: int) -> list[User]:
    department = get_department(session, actor, department_id)
    return list(session.scalars(select(User).where(User.department_id == department.id).order_by(User.id)))


def attach_member(session: Session, actor: User, department_id: int, username: str) -> User:
    """An existing account becomes a member of the department, with the ``department``
    role. It must be of this district or of none yet (else it is not found), hold no
    other role (a department's accounts are its own, not a resident's or a street
    admin's), and not be another department's member (detach it there first)."""
    department = get_department(session, actor, department_id)
    user = find_user(session, text(username, "username", 64))
    if user is None or Scope.of(session, user).district_id not in (None, department.district_id):
        raise Invalid.field("username", _("没有这个账号。"))
    if not set(user.roles) <= {MEMBER_ROLE}:
        raise Invalid.field("username", _("只有部门人员账号或尚无角色的账号可以加入部门。"))
    if user.department_id not in (None, department.id):
        raise Invalid.field("username", _("该账号已是其他部门的人员，请先从原部门移出。"))
    user.department_id = department.id
    if not user.has_role(MEMBER_ROLE):
        user.role_rows.append(UserRole(role=MEMBER_ROLE))
    session.flush()
    return user


def detach_member(session: Session, actor: User, department_id: int, user_id: int) -> User:
    """The account leaves the department and loses the ``department`` role."""
    department = get_department(session, actor, department_id)
    user = session.get(User, user_id)
    if user is None or user.department_id != department.id:
        raise NotFound()
    user.department_id = None
    user.role_rows = [row for row in user.role_rows if row.role != MEMBER_ROLE]
    session.flush()
    return user
