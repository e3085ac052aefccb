"""Service orders over JSON (API.md "Service orders")."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engage.api.core import current_actor, int_arg, json_body, require_fields
from engage.api.openapi import operation
from engage.extensions import db
from engage.orders import categories, queries, services
from engage.orders.models import ServiceOrder

bp = Blueprint("orders_api", __name__)


def _time(value):
    return value.isoformat() if value else None


def order_json(order: ServiceOrder) -> dict:
    return {
        "id": order.id, "status": order.status, "category": order.category.code,
        "category_name": order.category.name, "title": order.title, "description": order.description,
        "channel": order.channel, "requester_id": order.requester_id, "volunteer_id": order.volunteer_id,
        "assigned_volunteer_id": order.assigned_volunteer_id, "community_id": order.community_id,
        "micro_grid_id": order.micro_grid_id, "rating": order.rating,
        "points_awarded": order.points_awarded, "escalation_level": order.escalation_level,
        "overdue": queries.is_overdue(order), "created_at": _time(order.created_at),
        "deadlines": {"dispatch_by": _time(order.dispatch_by), "accept_by": _time(order.accept_by),
                      "resolve_by": _time(order.resolve_by)},
        "timeline": [{"status": e.status, "event": e.kind, "at": _time(e.at), "actor_id": e.actor_id,
                      "note": e.note} for e in order.events],
    }


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    return None if value is None else str(value)


@bp.get("/order-categories")
def list_categories():
    rows = categories.active_categories(db.session, current_actor().community_id)
    return jsonify([{"code": c.code, "name": c.name, "points": c.points} for c in rows])


@bp.post("/orders")
def place():
    body = json_body()
    require_fields(body, "category", "title")
    order = services.place_order(
        db.session, current_actor(), category=str(body["category"]), title=str(body["title"]),
        description=_text(body, "description") or "", on_behalf_of=body.get("on_behalf_of"),
        channel=_text(body, "channel"))
    return jsonify(order_json(order)), 201


@bp.get("/orders")
def list_orders():
    status = request.args.get("status") or None
    result = queries.my_orders(db.session, current_actor(), status=status,
                               page=int_arg("page", 1, low=1, high=10**6),
                               per_page=int_arg("per_page", 20, low=1, high=100))
    return jsonify({"items": [order_json(o) for o in result.items], "page": result.page,
                    "per_page": result.per_page, "total": result.total})


@bp.get("/orders/<int:order_id>")
def show(order_id: int):
    return jsonify(order_json(services.get_order(db.session, current_actor(), order_id)))


@bp.get("/tasks")
def tasks():
    stmt_page = queries.task_board(db.session, current_actor(),
                                   category=request.args.get("category") or None,
                                   near=request.args.get("near") or None,
                                   page=int_arg("page", 1, low=1, high=10**6),
                                   per_page=int_arg("per_page", 30, low=1, high=100))
    return jsonify({"items": [order_json(o) for o in stmt_page.items], "page": stmt_page.page,
                    "per_page": stmt_page.per_page, "total": stmt_page.total})


def _act(order_id: int, action, **kwargs):
    return jsonify(order_json(action(db.session, current_actor(), order_id, **kwargs)))


@bp.post("/orders/<int:order_id>/dispatch")
def dispatch(order_id: int):
    body = json_body() if request.get_data() else {}
    return _act(order_id, services.dispatch_order, volunteer_id=body.get("volunteer_id"),
                note=_text(body, "note"))


@bp.post("/orders/<int:order_id>/accept")
def accept(order_id: int):
    return _act(order_id, services.accept_order)


@bp.post("/orders/<int:order_id>/complete")
def complete(order_id: int):
    return _act(order_id, services.complete_order, note=_text(json_body(), "note"))


@bp.post("/orders/<int:order_id>/rate")
def rate(order_id: int):
    body = json_body()
    require_fields(body, "stars")
    return _act(order_id, services.rate_order, stars=body["stars"], comment=_text(body, "comment"))


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int):
    return _act(order_id, services.cancel_order, reason=_text(json_body(), "reason"))


_ORDER = {"category": {"type": "string"}, "title": {"type": "string", "maxLength": 100},
          "description": {"type": "string", "maxLength": 2000}, "on_behalf_of": {"type": "integer"},
          "channel": {"type": "string", "enum": ["app", "qr", "grid_worker", "phone", "hotline_12345"]}}
_ACTION_ERRORS = (400, 403, 404, 409)
OPENAPI_PATHS = {
    "/order-categories": {"get": operation("Categories residents can order", tag="orders")},
    "/orders": {
        "post": operation("Place an order (点单)", tag="orders", ok=201, body=_ORDER, errors=(400, 403)),
        "get": operation("Orders the caller may see, newest first; ?status=", tag="orders", errors=(400,)),
    },
    "/orders/{order_id}": {"get": operation("One order with deadlines and timeline", tag="orders",
                                            errors=(404,))},
    "/tasks": {"get": operation(
        "Dispatched orders open to the calling volunteer, nearest first; ?category=&near=micro_grid|grid",
        tag="orders", errors=(400, 403))},
    "/orders/{order_id}/dispatch": {"post": operation(
        "Dispatch (派单) to a volunteer or the community pool", tag="orders",
        body={"volunteer_id": {"type": "integer"}, "note": {"type": "string"}}, errors=_ACTION_ERRORS)},
    "/orders/{order_id}/accept": {"post": operation(
        "Accept (接单); 409 already_taken when another volunteer won", tag="orders", errors=_ACTION_ERRORS)},
    "/orders/{order_id}/complete": {"post": operation(
        "Report completion", tag="orders", body={"note": {"type": "string"}}, errors=_ACTION_ERRORS)},
    "/orders/{order_id}/rate": {"post": operation(
        "Rate (评单) 1–5 stars; closes the order and pays the volunteer", tag="orders",
        body={"stars": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"}},
        errors=_ACTION_ERRORS)},
    "/orders/{order_id}/cancel": {"post": operation(
        "Cancel", tag="orders", body={"reason": {"type": "string"}}, errors=_ACTION_ERRORS)},
}
