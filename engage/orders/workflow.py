"""The order state machine: one explicit table of who may move an order where.

Each row names an action, the statuses it starts from, the status it ends in, the
party allowed to take it and, for some, a guard on the order itself (the rating period
before 核查结案, a bad rating before reopening). Services look the row up and the page's
buttons come from ``allowed``, which asks the same questions; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _

from engage.auth.models import User
from engage.orders.models import OPEN_STATUSES, ServiceOrder
from engage.scope import Scope

PARTIES = ("staff", "requester", "open_volunteer", "volunteer")


@dataclass(frozen=True)
class Moment:
    """What a guard weighs besides the order: the time now and the configured rating period
    (given by the services that take 核查结案 or list the page's buttons; only its guard reads it)."""

    now: datetime
    rating_period: timedelta | None


Guard = Callable[[ServiceOrder, Moment], str | None]


def rating_period_over(order: ServiceOrder, moment: Moment) -> str | None:
    """核查结案 only once the requester has had the rating period to rate."""
    if order.updated_at > moment.now - moment.rating_period:
        return str(_("居民尚在评价期内，暂不能核查结案。"))
    return None


def badly_rated(order: ServiceOrder, moment: Moment) -> str | None:
    """Only an order rated 1–2 stars goes back to the queue."""
    if (order.rating or 5) > 2:
        return str(_("只有评分为1–2星的订单可以重新派单。"))
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    party: str
    guard: Guard | None = None


TRANSITIONS: tuple[Transition, ...] = (
    Transition("dispatch", ("placed",), "dispatched", "staff"),
    Transition("accept", ("dispatched",), "accepted", "open_volunteer"),
    Transition("complete", ("accepted",), "completed", "volunteer"),
    Transition("rate", ("completed",), "closed", "requester"),
    Transition("verify_close", ("completed",), "closed", "staff", rating_period_over),
    Transition("cancel", ("placed", "dispatched"), "cancelled", "requester"),
    Transition("cancel", OPEN_STATUSES, "cancelled", "staff"),
    Transition("reopen", ("closed",), "placed", "staff", badly_rated),
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


def blocked(transition: Transition, order: ServiceOrder, moment: Moment) -> str | None:
    """Why the row's guard refuses this order now (``InvalidTransition``), or ``None``."""
    return transition.guard(order, moment) if transition.guard else None


def allowed(actor: User, order: ServiceOrder, scope: Scope, moment: Moment) -> set[str]:
    """Every action the actor may take on the order now: exactly what the services accept."""
    mine = parties(actor, order, scope)
    return {
        t.action
        for t in TRANSITIONS
        if t.party in mine
        and order.status in t.sources
        and self_dealing(actor, order, t.action) is None
        and blocked(t, order, moment) is None
    }
