"""The order state machine: one explicit table of who may move an order where.

Each row names an action, the statuses it starts from, the status it ends in, and
the party allowed to take it. Services look the row up; nothing else decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _

from engage.auth.models import User
from engage.orders.models import OPEN_STATUSES, ServiceOrder
from engage.scope import Scope

PARTIES = ("staff", "requester", "open_volunteer", "volunteer")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    party: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition("dispatch", ("placed",), "dispatched", "staff"),
    Transition("accept", ("dispatched",), "accepted", "open_volunteer"),
    Transition("complete", ("accepted",), "completed", "volunteer"),
    Transition("rate", ("completed",), "closed", "requester"),
    Transition("verify_close", ("completed",), "closed", "staff"),
    Transition("cancel", ("placed", "dispatched"), "cancelled", "requester"),
    Transition("cancel", OPEN_STATUSES, "cancelled", "staff"),
    Transition("reopen", ("closed",), "placed", "staff"),
)


def parties(actor: User, order: ServiceOrder, scope: Scope) -> set[str]:
    """Which parties of the table the actor (whose scope this is) is, for this order."""
    found = set()
    if actor.has_role("staff", "admin") and scope.administers(order.community_id):
        found.add("staff")
    if actor.id == order.requester_id:
        found.add("requester")
    if actor.has_role("volunteer"):
        if order.volunteer_id == actor.id:
            found.add("volunteer")
        if order.assigned_volunteer_id in (None, actor.id) and scope.community_id == order.community_id:
            found.add("open_volunteer")
    return found


def self_dealing(actor: User, order: ServiceOrder, action: str) -> str | None:
    """Why the actor may not take this action on this order, if it would put them on both
    sides of it: serving the order they asked for (paid from the community budget), or
    rating or closing (and so paying) their own work. ``None`` when it would not."""
    if action in ("accept", "complete") and actor.id == order.requester_id:
        return str(_("不能接或完成自己发起的订单。"))
    if action in ("rate", "verify_close") and actor.id == order.volunteer_id:
        return str(_("不能评价或结案自己服务的订单。"))
    return None


def find(action: str, status: str, actor_parties: set[str]) -> tuple[Transition | None, bool]:
    """The transition to take, and whether the action exists for the actor at all.

    ``(None, True)``: the actor could take this action, but not from this status
    (``InvalidTransition``); ``(None, False)``: the actor may never take it (``Forbidden``).
    """
    mine = [t for t in TRANSITIONS if t.action == action and t.party in actor_parties]
    for transition in mine:
        if status in transition.sources:
            return transition, True
    return None, bool(mine)
