"""The order state machine: one explicit table of who may move an order where.

Each row names an action, the statuses it starts from, the status it ends in (``STAYS``:
the status does not change, the step is still on the timeline), the party allowed to take
it and, for some, a guard on the order itself (the rating period before 核查结案, a bad
rating before reopening, one pending 延期 at a time). Services look the row up and the
page's buttons come from ``allowed``, which asks the same questions; nothing else decides.

Both paths after 点单 are rows here: volunteer service (派单 → 接单 → 完成 → 评单) and a
unit's work (分拨 → 签收 → 反馈 → 回访 → 结案, with 退单, 延期, 重办 and 吹哨报到).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.orders.models import OPEN_STATUSES, ServiceOrder
from engage.scope import Scope, scope_of
from engage.units.services import is_member, may_dispatch

# staff: staff and street admins of the order's community; dispatcher: they and the
# district's command centre; handler: members of the handling unit (主办); whistled:
# members of a unit whistled in on it (协办).
PARTIES = ("staff", "dispatcher", "requester", "open_volunteer", "volunteer", "handler", "whistled")
STAYS = None


@dataclass(frozen=True)
class Moment:
    """What a guard weighs besides the order: the time now and the configured rating period
    (given by the services that take 核查结案 or list the page's buttons; only its guard reads it)."""

    now: datetime
    rating_period: timedelta | None


Guard = Callable[[ServiceOrder, Moment], str | None]


def _pending(order: ServiceOrder) -> bool:
    return any(extension.status == "pending" for extension in order.extensions)


def no_pending_extension(order: ServiceOrder, moment: Moment) -> str | None:
    """At most one 延期 request waits for a decision; the next only after it is decided."""
    return str(_("已有待审批的延期申请。")) if _pending(order) else None


def pending_extension(order: ServiceOrder, moment: Moment) -> str | None:
    return None if _pending(order) else str(_("没有待审批的延期申请。"))


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
    target: str | None
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
    # The unit path.
    Transition("prioritize", ("placed",), STAYS, "dispatcher"),
    Transition("answer", ("placed",), "closed", "dispatcher"),
    Transition("assign", ("placed",), "assigned", "dispatcher"),
    Transition("reassign", ("assigned", "signed"), "assigned", "dispatcher"),
    Transition("sign", ("assigned",), "signed", "handler"),
    Transition("return", ("assigned", "signed"), "placed", "handler"),
    Transition("ask_extension", ("signed",), STAYS, "handler", no_pending_extension),
    Transition("decide_extension", ("signed",), STAYS, "dispatcher", pending_extension),
    Transition("reply", ("signed",), "replied", "handler"),
    Transition("callback", ("replied",), "closed", "dispatcher"),
    Transition("redo", ("replied",), "assigned", "dispatcher"),
    # The requester may answer the 回访 themselves, on their phone: the same two rows.
    Transition("callback", ("replied",), "closed", "requester"),
    Transition("redo", ("replied",), "assigned", "requester"),
    Transition("whistle", ("assigned", "signed"), STAYS, "staff"),
    Transition("report_in", ("assigned", "signed", "replied"), STAYS, "whistled"),
)


def parties(session: Session, actor: User, order: ServiceOrder) -> set[str]:
    """Which parties of the table the actor is, for this order."""
    scope: Scope = scope_of(session, actor)
    found = set()
    if actor.has_role("staff", "admin") and scope.administers(order.community_id):
        found.add("staff")
    if may_dispatch(session, actor, order.community_id):
        found.add("dispatcher")
    if is_member(session, actor, order.handler_unit_id):
        found.add("handler")
    if any(is_member(session, actor, whistle.unit_id) for whistle in order.whistles):
        found.add("whistled")
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


def allowed(session: Session, actor: User, order: ServiceOrder, moment: Moment) -> set[str]:
    """Every action the actor may take on the order now: exactly what the services accept."""
    mine = parties(session, actor, order)
    return {
        t.action
        for t in TRANSITIONS
        if t.party in mine
        and order.status in t.sources
        and self_dealing(actor, order, t.action) is None
        and blocked(t, order, moment) is None
    }
