"""Order categories: what residents can ask for, its points and its deadlines."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Invalid, NotFound
from engage.orders.models import OrderCategory
from engage.persistence import add_unique
from engage.scope import scope_of

DEFAULTS = (  # code, name, points, skill
    ("housekeeping", "家政服务", 20, "家政"),
    ("elderly_care", "助老助残", 30, "助老"),
    ("repair", "维修", 25, "维修"),
    ("errand", "代办跑腿", 15, None),
    ("counselling", "心理咨询", 30, "心理"),
    ("legal", "法律咨询", 30, "法律"),
    ("feedback", "社情民意", 10, None),
)
HOURS = tuple(
    f"{prefix}{step}_hours" for prefix in ("", "urgent_") for step in ("dispatch", "accept", "resolve")
)
FIELDS = ("code", "name", "points", "skill", *HOURS, "active")


def active_categories(session: Session, community_id: int | None) -> list[OrderCategory]:
    return list(
        session.scalars(
            select(OrderCategory)
            .where(OrderCategory.community_id == community_id, OrderCategory.active.is_(True))
            .order_by(OrderCategory.id)
        )
    )


def community_categories(session: Session, actor: User) -> list[OrderCategory]:
    require_role(actor, *STAFF_ROLES)
    return list(
        session.scalars(
            select(OrderCategory)
            .where(scope_of(session, actor).administered(OrderCategory.community_id))
            .order_by(OrderCategory.community_id, OrderCategory.id)
        )
    )


def add_defaults(session: Session, community_id: int) -> None:
    """The usual categories with 1+1+7 deadlines, for a new community."""
    session.add_all(
        OrderCategory(community_id=community_id, code=code, name=name, points=pts, skill=skill)
        for code, name, pts, skill in DEFAULTS
    )
    session.flush()


def save_category(
    session: Session,
    actor: User,
    values: dict,
    category_id: int | None = None,
    *,
    community_id: int | None = None,
) -> OrderCategory:
    require_role(actor, *STAFF_ROLES)
    scope = scope_of(session, actor)
    if category_id:
        category = scope.managed(session, OrderCategory, category_id)
    else:
        category = OrderCategory(community_id=community_id or scope.community_id)
        if not scope.administers(category.community_id):
            raise NotFound()
    _validate(values)
    for key in FIELDS:
        if key in values:
            setattr(category, key, values[key])
    return add_unique(session, category, Conflict(str(_("该类别代码已存在。"))))


def _validate(values: dict) -> None:
    if not 1 <= values.get("points", 0) <= 10_000:
        raise Invalid.field("points", _("积分必须是 1 到 %(max)d 之间的整数。", max=10_000))
    for key in HOURS:
        if key in values and not 1 <= values[key] <= 24 * 90:
            raise Invalid.field(key, _("时限必须在1小时到90天之间。"))
