"""Service orders over JSON (docs/api.md "Service orders")."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engage.api.core import choice_arg, current_actor, int_arg, json_body, paginated, require_fields
from engage.api.openapi import (
    BOOLEAN,
    ID,
    INTEGER,
    PAGE_QUERY,
    STRING,
    TIME,
    array,
    nullable,
    obj,
    operation,
    page_of,
)
from engage.extensions import db
from engage.orders import categories, queries, services
from engage.orders.models import EXTENSION_STATUSES, LEVELS, PRIORITIES, SATISFACTIONS, ServiceOrder
from engage.pagination import MAX_PAGE
from engage.validation import DB_INT_MAX, identifier

bp = Blueprint("orders_api", __name__)


def _time(value):
    return value.isoformat() if value else None


def order_json(order: ServiceOrder) -> dict:
    return {
        "id": order.id,
        "status": order.status,
        "category": order.category.code,
        "category_name": order.category.name,
        "title": order.title,
        "description": order.description,
        "channel": order.channel,
        "requester_id": order.requester_id,
        "volunteer_id": order.volunteer_id,
        "assigned_volunteer_id": order.assigned_volunteer_id,
        "community_id": order.community_id,
        "micro_grid_id": order.micro_grid_id,
        "rating": order.rating,
        "points_awarded": order.points_awarded,
        "escalation_level": order.escalation_level,
        "overdue": queries.is_overdue(order),
        "created_at": _time(order.created_at),
        "tracking_code": order.tracking_code,
        "priority": order.priority,
        "first_responder_id": order.first_responder_id,
        "handler_unit_id": order.handler_unit_id,
        "satisfaction": order.satisfaction,
        "reopen_count": order.reopen_count,
        "solved_level": order.solved_level,
        "result": order.completion_note,
        "deadlines": {
            "dispatch_by": _time(order.dispatch_by),
            "accept_by": _time(order.accept_by),
            "sign_by": _time(order.sign_by),
            "resolve_by": _time(order.resolve_by),
        },
        "whistle": [
            {"unit_id": w.unit_id, "report_by": _time(w.report_by), "reported_at": _time(w.reported_at)}
            for w in order.whistles
        ],
        "extensions": [
            {"id": e.id, "hours": e.hours, "reason": e.reason, "status": e.status} for e in order.extensions
        ],
        "timeline": [
            {
                "status": e.status,
                "event": e.kind,
                "at": _time(e.at),
                "actor_id": e.actor_id,
                "note": e.note,
                "level": e.level,
            }
            for e in order.events
        ],
    }


@bp.get("/order-categories")
def list_categories():
    rows = categories.active_categories(db.session, current_actor().community_id)
    return jsonify([{"code": c.code, "name": c.name, "points": c.points} for c in rows])


@bp.post("/orders")
def place():
    body = json_body()
    require_fields(body, "category", "title")
    order = services.place_order(
        db.session,
        current_actor(),
        category=body.get("category"),
        title=body.get("title"),
        description=body.get("description"),
        on_behalf_of=identifier(body.get("on_behalf_of"), "on_behalf_of", required=False),
        channel=body.get("channel"),
        priority=body.get("priority"),
    )
    return jsonify(order_json(order)), 201


@bp.get("/orders")
def list_orders():
    status = request.args.get("status") or None
    result = queries.my_orders(
        db.session,
        current_actor(),
        status=status,
        page=int_arg("page", 1, low=1, high=MAX_PAGE),
        per_page=int_arg("per_page", 20, low=1, high=100),
    )
    return jsonify(result.as_json(order_json))


@bp.get("/orders/queue")
def queue():
    """The dispatch queue (dispatchers), oldest first: ``?status=`` (every open one without),
    ``?unit_id=`` (the handling unit), ``?overdue=1``, ``?escalated=1`` (督办 to the caller's level)."""
    stmt = queries.staff_queue_query(
        db.session,
        current_actor(),
        status=request.args.get("status") or None,
        unit_id=int_arg("unit_id", None, low=1, high=DB_INT_MAX),
        overdue=choice_arg("overdue", ("0", "1")) == "1",
        escalated=choice_arg("escalated", ("0", "1")) == "1",
    )
    return jsonify(paginated(stmt, order_json))


@bp.get("/orders/<int:order_id>")
def show(order_id: int):
    return jsonify(order_json(services.get_order(db.session, current_actor(), order_id)))


@bp.get("/tasks")
def tasks():
    stmt_page = queries.task_board(
        db.session,
        current_actor(),
        category=request.args.get("category") or None,
        near=request.args.get("near") or None,
        page=int_arg("page", 1, low=1, high=MAX_PAGE),
        per_page=int_arg("per_page", 30, low=1, high=100),
    )
    return jsonify(stmt_page.as_json(order_json))


def act(order_id: int, action, **kwargs):
    """Run one order service for the caller and answer with the order."""
    return jsonify(order_json(action(db.session, current_actor(), order_id, **kwargs)))


@bp.post("/orders/<int:order_id>/dispatch")
def dispatch(order_id: int):
    body = json_body() if request.get_data() else {}
    volunteer_id = identifier(body.get("volunteer_id"), "volunteer_id", required=False)
    return act(order_id, services.dispatch_order, volunteer_id=volunteer_id, note=body.get("note"))


@bp.post("/orders/<int:order_id>/accept")
def accept(order_id: int):
    return act(order_id, services.accept_order)


@bp.post("/orders/<int:order_id>/complete")
def complete(order_id: int):
    return act(order_id, services.complete_order, note=json_body().get("note"))


@bp.post("/orders/<int:order_id>/rate")
def rate(order_id: int):
    body = json_body()
    require_fields(body, "stars")
    return act(order_id, services.rate_order, stars=body["stars"], comment=body.get("comment"))


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int):
    return act(order_id, services.cancel_order, reason=json_body().get("reason"))


_TIME_OR_NULL = nullable(TIME)
ORDER = obj(
    {
        "id": ID,
        "status": STRING,
        "category": STRING,
        "category_name": STRING,
        "title": STRING,
        "description": nullable(STRING),
        "channel": nullable(STRING),
        "requester_id": ID,
        "volunteer_id": nullable(ID),
        "assigned_volunteer_id": nullable(ID),
        "community_id": ID,
        "micro_grid_id": nullable(ID),
        "rating": nullable(INTEGER),
        "points_awarded": nullable(INTEGER),
        "escalation_level": nullable(INTEGER),
        "overdue": BOOLEAN,
        "created_at": _TIME_OR_NULL,
        "tracking_code": STRING,
        "priority": {"type": "string", "enum": list(PRIORITIES)},
        "first_responder_id": nullable(ID),
        "handler_unit_id": nullable(ID),
        "satisfaction": nullable({"type": "string", "enum": list(SATISFACTIONS)}),
        "reopen_count": INTEGER,
        "solved_level": nullable({"type": "string", "enum": list(LEVELS)}),
        "result": nullable(STRING),
        "deadlines": obj(
            {
                "dispatch_by": _TIME_OR_NULL,
                "accept_by": _TIME_OR_NULL,
                "sign_by": _TIME_OR_NULL,
                "resolve_by": _TIME_OR_NULL,
            }
        ),
        "whistle": array(obj({"unit_id": ID, "report_by": TIME, "reported_at": _TIME_OR_NULL})),
        "extensions": array(
            obj(
                {
                    "id": ID,
                    "hours": INTEGER,
                    "reason": STRING,
                    "status": {"type": "string", "enum": list(EXTENSION_STATUSES)},
                }
            )
        ),
        "timeline": array(
            obj(
                {
                    "status": STRING,
                    "event": STRING,
                    "at": _TIME_OR_NULL,
                    "actor_id": nullable(ID),
                    "note": nullable(STRING),
                    "level": nullable(INTEGER),
                }
            )
        ),
    }
)
_PLACE = {
    "category": STRING,
    "title": {"type": "string", "maxLength": 100},
    "description": {"type": "string", "maxLength": 2000},
    "on_behalf_of": ID,
    "channel": {"type": "string", "enum": ["app", "qr", "grid_worker", "phone", "hotline_12345"]},
    "priority": {"type": "string", "enum": list(PRIORITIES)},
}
_ACTION_ERRORS = (400, 403, 404, 409)


def action_doc(summary: str, body: dict | None = None, required: tuple[str, ...] = (), ok: int = 200) -> dict:
    """The OpenAPI entry of one action on an order, which answers with the order."""
    return {
        "post": operation(
            summary, tag="orders", body=body, required=required, returns=ORDER, errors=_ACTION_ERRORS, ok=ok
        )
    }


OPENAPI_PATHS = {
    "/order-categories": {
        "get": operation(
            "Categories residents can order",
            tag="orders",
            returns=array(obj({"code": STRING, "name": STRING, "points": INTEGER})),
        )
    },
    "/orders": {
        "post": operation(
            "Place an order (点单)",
            tag="orders",
            ok=201,
            body=_PLACE,
            required=("category", "title"),
            returns=ORDER,
            errors=(403,),
        ),
        "get": operation(
            "Orders the caller may see, newest first",
            tag="orders",
            query={**PAGE_QUERY, "status": STRING},
            returns=page_of(ORDER),
        ),
    },
    "/orders/queue": {
        "get": operation(
            "The dispatch queue, oldest first, by status (every open one without), handling unit, "
            "overdue and 督办 to the caller's level (dispatchers; a unit out of reach 404)",
            tag="orders",
            query={
                **PAGE_QUERY,
                "status": STRING,
                "unit_id": ID,
                "overdue": {"type": "string", "enum": ["0", "1"]},
                "escalated": {"type": "string", "enum": ["0", "1"]},
            },
            returns=page_of(ORDER),
            errors=(400, 403, 404),
        )
    },
    "/orders/{order_id}": {
        "get": operation("One order with deadlines and timeline", tag="orders", returns=ORDER, errors=(403,))
    },
    "/tasks": {
        "get": operation(
            "Dispatched orders open to the calling volunteer, nearest first",
            tag="orders",
            query={
                **PAGE_QUERY,
                "category": STRING,
                "near": {"type": "string", "enum": ["", "micro_grid", "grid"]},
            },
            returns=page_of(ORDER),
            errors=(403,),
        )
    },
    "/orders/{order_id}/dispatch": action_doc(
        "Dispatch (派单) to a volunteer or the community pool", {"volunteer_id": ID, "note": STRING}
    ),
    "/orders/{order_id}/accept": action_doc("Accept (接单); 409 already_taken when another volunteer won"),
    "/orders/{order_id}/complete": action_doc("Report completion", {"note": STRING}),
    "/orders/{order_id}/rate": action_doc(
        "Rate (评单) 1–5 stars; closes the order and pays the volunteer",
        {"stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": STRING},
        ("stars",),
    ),
    "/orders/{order_id}/cancel": action_doc("Cancel", {"reason": STRING}),
}
