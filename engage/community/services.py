"""The community hierarchy: who may see and change which part of it.

Every read and write goes through here so that scoping (docs/design.md rule 4, scope) is
enforced once: staff act within their community, admins within their street, grid
workers see the grids they serve. Objects outside the caller's scope are reported
as ``NotFound`` so that their existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.audit.services import record_access
from engage.auth.models import User, UserRole
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Community, Compound, Grid, Household, MicroGrid, PropertyCompany, Street
from engage.errors import Invalid, NotFound
from engage.pagination import Page, paginate
from engage.scope import Scope, scope_of

POSTER_SALT = "micro-grid-poster"


def community_residents(session: Session, community_id: int | None) -> list[User]:
    """Whom staff and grid workers may act for (代诉, an order from a visit)."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == "resident", User.community_id == community_id)
            .order_by(User.id)
        )
    )


def communities_in_scope(session: Session, actor: User) -> list[Community]:
    require_role(actor, *STAFF_ROLES)
    return list(
        session.scalars(
            select(Community)
            .where(scope_of(session, actor).administered(Community.id))
            .order_by(Community.id)
        )
    )


def public_communities(session: Session) -> list[Community]:
    """What the registration form offers: every community, by street."""
    return list(session.scalars(select(Community).order_by(Community.street_id, Community.id)))


def public_micro_grids(session: Session, community_id: int) -> list[MicroGrid]:
    return list(
        session.scalars(
            select(MicroGrid).where(MicroGrid.community_id == community_id).order_by(MicroGrid.id)
        )
    )


@dataclass(frozen=True)
class Level:
    """One editable level of the hierarchy, and how it is scoped and validated.

    ``parent`` names the field that ties a row to a parent row, and the parent's
    class; the row's ``community_id`` is copied from that parent so the two never
    disagree.
    """

    model: type
    fields: tuple[str, ...]
    scope: Callable[[Session, User], Any]
    parent: tuple[str, type] | None = None
    admin_only: bool = False
    personal: bool = False


def _by_community(model: type) -> Callable[[Session, User], Any]:
    return lambda session, actor: scope_of(session, actor).administered(model.community_id)


def _by_street(model: type) -> Callable[[Session, User], Any]:
    return lambda session, actor: model.street_id == scope_of(session, actor).street_id


LEVELS: dict[str, Level] = {
    "communities": Level(Community, ("name", "kind"), _by_street(Community), admin_only=True),
    "grids": Level(Grid, ("community_id", "name", "grid_worker_id"), _by_community(Grid)),
    "micro_grids": Level(
        MicroGrid, ("grid_id", "name", "leader_name"), _by_community(MicroGrid), parent=("grid_id", Grid)
    ),
    "households": Level(
        Household,
        ("micro_grid_id", "address", "head_name", "phone", "size"),
        _by_community(Household),
        parent=("micro_grid_id", MicroGrid),
        personal=True,
    ),
    "compounds": Level(
        Compound, ("community_id", "name", "address", "property_company_id"), _by_community(Compound)
    ),
    "property_companies": Level(
        PropertyCompany,
        ("name", "contact_name", "contact_phone"),
        _by_street(PropertyCompany),
        admin_only=True,
    ),
}


def _level(name: str, actor: User) -> Level:
    level = LEVELS[name]
    require_role(actor, "admin" if level.admin_only else "staff", "admin")
    return level


def list_rows(session: Session, actor: User, level_name: str) -> list:
    """Every row of one level that the actor may see (reading needs only staff)."""
    return list(session.scalars(scoped_query(session, actor, level_name)))


def page_rows(session: Session, actor: User, level_name: str, *, page: int, per_page: int = 50) -> Page:
    return paginate(session, scoped_query(session, actor, level_name), page=page, per_page=per_page)


def scoped_query(session: Session, actor: User, level_name: str):
    """The select of one level's rows within the actor's scope, oldest first."""
    require_role(actor, *STAFF_ROLES)
    level = LEVELS[level_name]
    return select(level.model).where(level.scope(session, actor)).order_by(level.model.id)


def get_row(session: Session, actor: User, level_name: str, row_id: int):
    require_role(actor, *STAFF_ROLES)
    level = LEVELS[level_name]
    row = session.scalar(select(level.model).where(level.model.id == row_id, level.scope(session, actor)))
    if row is None:
        raise NotFound()
    if level.personal:
        record_access(session, actor, f"{level_name}:{row.id}", "view")
    return row


def save_row(session: Session, actor: User, level_name: str, values: dict, row_id: int | None = None):
    """Create (``row_id`` None) or update a row; references must stay in scope."""
    level = _level(level_name, actor)
    row = get_row(session, actor, level_name, row_id) if row_id else level.model()
    values = {key: values[key] for key in level.fields if key in values}
    _check_references(session, actor, values)
    if level.parent:
        field, parent_model = level.parent
        values["community_id"] = session.get(parent_model, values[field]).community_id
    if level.model is Community or level.model is PropertyCompany:
        values["street_id"] = scope_of(session, actor).street_id
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return row


def _check_references(session: Session, actor: User, values: dict) -> None:
    """A row may only point at rows the actor may see: no cross-tenant links."""
    scope = scope_of(session, actor)
    checks = {
        "community_id": scope.administers,
        "grid_id": lambda v: _in_scope(session, Grid, v, scope),
        "micro_grid_id": lambda v: _in_scope(session, MicroGrid, v, scope),
        "property_company_id": lambda v: v is None or _company_in_street(session, scope, v),
        "grid_worker_id": lambda v: v is None or _is_grid_worker(session, v, scope),
    }
    for field, ok in checks.items():
        if field in values and not ok(values[field]):
            raise Invalid.field(field, _("所选项不存在或不在您的管辖范围内。"))


def _in_scope(session: Session, model: type, row_id: int | None, scope: Scope) -> bool:
    row = session.get(model, row_id) if row_id else None
    return row is not None and scope.administers(row.community_id)


def _company_in_street(session: Session, scope: Scope, company_id: int) -> bool:
    company = session.get(PropertyCompany, company_id)
    return company is not None and scope.in_street(company.street_id)


def _is_grid_worker(session: Session, user_id: int, scope: Scope) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.has_role("grid_worker") and scope.administers(user.community_id)


def grid_workers_in_scope(session: Session, actor: User) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == "grid_worker", scope_of(session, actor).administered(User.community_id))
            .order_by(User.id)
        )
    )


def micro_grids_served_by(session: Session, actor: User) -> list[MicroGrid]:
    """A grid worker's micro-grids; staff and admins get all of their scope."""
    if actor.has_role(*STAFF_ROLES):
        return list_rows(session, actor, "micro_grids")
    require_role(actor, "grid_worker")
    return list(
        session.scalars(
            select(MicroGrid).join(Grid).where(Grid.grid_worker_id == actor.id).order_by(MicroGrid.id)
        )
    )


def micro_grid_for_poster(session: Session, actor: User, micro_grid_id: int) -> MicroGrid:
    """The poster is printed by staff, admins or the grid worker who serves it."""
    if actor.has_role(*STAFF_ROLES):
        return get_row(session, actor, "micro_grids", micro_grid_id)
    for micro_grid in micro_grids_served_by(session, actor):
        if micro_grid.id == micro_grid_id:
            return micro_grid
    raise NotFound()


def streets(session: Session) -> list[Street]:
    return list(session.scalars(select(Street).order_by(Street.id)))


def poster_token(secret_key: str, micro_grid: MicroGrid) -> str:
    """A signed, non-expiring token for the printed poster; ids cannot be guessed."""
    return URLSafeSerializer(secret_key, salt=POSTER_SALT).dumps(micro_grid.id)


def micro_grid_from_poster(session: Session, secret_key: str, token: str) -> MicroGrid:
    """Anyone may scan a poster; a forged or unknown token is simply not found."""
    try:
        micro_grid_id = URLSafeSerializer(secret_key, salt=POSTER_SALT).loads(token)
    except BadSignature:
        raise NotFound() from None
    micro_grid = session.get(MicroGrid, micro_grid_id) if isinstance(micro_grid_id, int) else None
    if micro_grid is None:
        raise NotFound()
    return micro_grid
