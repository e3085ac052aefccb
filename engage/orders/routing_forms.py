"""The unit path's forms on the order page, with the choices the services accept."""

from __future__ import annotations

from flask_login import current_user

from engage.extensions import db
from engage.forms import ReasonForm, options
from engage.orders import routing
from engage.orders.forms import (
    AnswerForm,
    AssignForm,
    CallbackForm,
    DecisionForm,
    ExtensionForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    WhistleForm,
)
from engage.orders.models import ServiceOrder
from engage.units.labels import UNIT_KIND_NAMES


def assign_form(order: ServiceOrder, can: set[str]) -> AssignForm:
    """The unit picker: the units 分拨 accepts for this request, by kind."""
    form = AssignForm(prefix="assign")
    if can & {"assign", "reassign"}:
        units = routing.routable_units(db.session, current_user, order)
        form.unit_id.choices = options(
            (u.id, f"{UNIT_KIND_NAMES[u.kind]} · {u.name}") for u in units if u.id != order.handler_unit_id
        )
    return form


def whistle_form(order: ServiceOrder, can: set[str]) -> WhistleForm:
    form = WhistleForm(prefix="whistle")
    if "whistle" in can:
        taken = {w.unit_id for w in order.whistles} | {order.handler_unit_id}
        units = routing.routable_units(db.session, current_user, order, "department")
        form.unit_ids.choices = options((u.id, u.name) for u in units if u.id not in taken)
    return form


def unit_path_forms(order: ServiceOrder, can: set[str]) -> dict:
    """Every unit-path form of the order page; the page shows those in ``can``."""
    return {
        "assign": assign_form(order, can),
        "return": ReasonForm(prefix="return"),
        "extension": ExtensionForm(prefix="extension"),
        "decision": DecisionForm(prefix="decision"),
        "reply": ReplyForm(prefix="reply"),
        "callback": CallbackForm(prefix="callback"),
        "whistle": whistle_form(order, can),
        "report_in": NoteForm(prefix="report"),
        "answer": AnswerForm(prefix="answer"),
        "priority": PriorityForm(prefix="priority", priority=order.priority),
    }
