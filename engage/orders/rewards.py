"""How an order pays its volunteer, through the ledger.

The reward is promised when the volunteer reports completion: the category's
points are held from the community budget for them. When the order closes, the
hold is posted at the share the rating earns; a cancelled order voids it.

Rating rule (documented for residents and volunteers): 4–5 stars earn the full
category points, 3 stars 80%, 2 stars 50%, 1 star 20%, never less than 1 point.
The held remainder goes back to the budget.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

import points
from engage.auth.models import User
from engage.ledger.services import BudgetExhausted, budget_account, user_account
from engage.orders.models import ServiceOrder

RATING_SHARE = {5: 100, 4: 100, 3: 80, 2: 50, 1: 20}


def points_for(category_points: int, stars: int) -> int:
    return max(1, category_points * RATING_SHARE[stars] // 100)


def _reference(order: ServiceOrder) -> str:
    return f"order:{order.id}"


def _pending_hold(session: Session, order: ServiceOrder) -> points.Hold | None:
    return session.scalar(
        select(points.Hold).where(points.Hold.reference == _reference(order), points.Hold.status == "pending")
    )


def hold_reward(session: Session, order: ServiceOrder, actor: User) -> points.Hold:
    """Promise the category's points; an empty budget cannot promise anything."""
    try:
        return points.hold(
            session,
            budget_account(order.community_id),
            user_account(order.volunteer_id),
            order.category.points,
            kind="order_reward",
            memo=f"服务订单 #{order.id} {order.title}"[:200],
            reference=_reference(order),
            actor_id=actor.id,
        )
    except points.InsufficientPoints:
        raise BudgetExhausted(str(_("社区积分预算不足，请联系社区工作者。"))) from None


def pay_reward(session: Session, order: ServiceOrder, amount: int, actor: User) -> points.Transaction:
    """Post the held reward (in the same transaction as the order closing)."""
    held = _pending_hold(session, order)
    if held is None:
        raise points.HoldNotPending(f"order {order.id} has no pending reward")
    return points.post_hold(session, held, amount=min(amount, held.amount), actor_id=actor.id)


def release_reward(session: Session, order: ServiceOrder, actor: User) -> None:
    held = _pending_hold(session, order)
    if held is not None:
        points.void_hold(session, held)
