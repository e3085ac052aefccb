"""The unit path over JSON (docs/api.md "Routing to units"): the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from engage.api.core import current_actor, int_arg, json_body, require_fields
from engage.api.openapi import BOOLEAN, ID, INTEGER, NUMBER, STRING, array, nullable, obj, operation
from engage.extensions import db
from engage.i18n import local_zone
from engage.orders import appraisal, comparison, routing, services
from engage.orders.api import act, action_doc, order_json
from engage.orders.models import LEVELS, PRIORITIES, SATISFACTIONS
from engage.periods import chosen_or_this_month
from engage.validation import DB_INT_MAX

bp = Blueprint("routing_api", __name__)


def _body() -> dict:
    return json_body() if request.get_data() else {}


@bp.post("/orders/<int:order_id>/assign")
def assign(order_id: int):
    body = json_body()
    require_fields(body, "unit_id")
    return act(order_id, routing.assign_order, unit_id=body["unit_id"], note=body.get("note"))


@bp.post("/orders/<int:order_id>/sign")
def sign(order_id: int):
    return act(order_id, routing.sign_order)


@bp.post("/orders/<int:order_id>/return")
def return_(order_id: int):
    return act(order_id, routing.return_order, reason=json_body().get("reason"))


@bp.post("/orders/<int:order_id>/extension")
def extension(order_id: int):
    body = json_body()
    require_fields(body, "hours", "reason")
    actor = current_actor()
    routing.request_extension(db.session, actor, order_id, hours=body["hours"], reason=body["reason"])
    return jsonify(order_json(services.get_order(db.session, actor, order_id))), 202


@bp.post("/orders/<int:order_id>/extension/decision")
def extension_decision(order_id: int):
    body = json_body()
    require_fields(body, "approve")
    return act(order_id, routing.decide_extension, approve=body["approve"])


@bp.post("/orders/<int:order_id>/reply")
def reply(order_id: int):
    return act(order_id, routing.reply_order, result=json_body().get("result"))


@bp.post("/orders/<int:order_id>/callback")
def callback(order_id: int):
    body = json_body()
    require_fields(body, "satisfaction")
    return act(order_id, routing.callback_order, satisfaction=body["satisfaction"], note=body.get("note"))


@bp.post("/orders/<int:order_id>/whistle")
def whistle(order_id: int):
    body = json_body()
    require_fields(body, "unit_ids")
    hours = current_app.config["WHISTLE_REPORT_HOURS"]
    return act(
        order_id, routing.whistle_order, unit_ids=body["unit_ids"], note=body.get("note"), report_hours=hours
    )


@bp.post("/orders/<int:order_id>/report-in")
def report_in(order_id: int):
    return act(order_id, routing.report_in, note=_body().get("note"))


@bp.post("/orders/<int:order_id>/answer")
def answer(order_id: int):
    return act(order_id, routing.answer_order, answer=json_body().get("answer"))


@bp.post("/orders/<int:order_id>/priority")
def priority(order_id: int):
    return act(order_id, routing.prioritize_order, priority=json_body().get("priority"))


@bp.get("/units/<int:unit_id>/figures")
def figures(unit_id: int):
    """The unit's 三率 for ``period`` (YYYY-MM; this month without one)."""
    period = chosen_or_this_month(request.args.get("period"), local_zone(), kinds=("month",))
    return jsonify(appraisal.unit_figures(db.session, current_actor(), unit_id, period).as_json())


@bp.get("/units/comparison")
def unit_comparison():
    """区级看板 for ``period`` (YYYY-MM; this month without one): the district's streets and
    departments, or with ``street_id`` one street's communities."""
    period = chosen_or_this_month(request.args.get("period"), local_zone(), kinds=("month",))
    street_id = int_arg("street_id", None, low=1, high=DB_INT_MAX)
    board = comparison.compare_units(db.session, current_actor(), period, street_id=street_id)
    return jsonify(board.as_json())


_NOTE = {"type": "string", "maxLength": 500}
_RATE = nullable({**NUMBER, "minimum": 0, "maximum": 1})
_FIGURES = obj(
    {
        **{name: INTEGER for name in ("received", "signed_on_time", "replied", "callbacks", "satisfied")},
        **{name: INTEGER for name in ("returned", "reopened", "overdue", "escalated")},
        **{name: _RATE for name in ("response_rate", "resolution_rate", "satisfaction_rate")},
    }
)
_BY_LEVEL = nullable(obj({level: INTEGER for level in LEVELS}))
_SHARES = nullable(obj({level: _RATE for level in LEVELS}))
_ROW = obj(
    {
        **_FIGURES["properties"],
        "kind": STRING,
        "unit_id": nullable(ID),
        "name": STRING,
        "street_id": nullable(ID),
        "solved": _BY_LEVEL,
        "solved_shares": _SHARES,
    }
)
OPENAPI_PATHS = {
    "/units/comparison": {
        "get": operation(
            "区级看板: the 三率, overdue, escalated and the share solved per level of the district's "
            "streets and departments, or of one street's communities (command centre, street admin)",
            tag="units",
            query={"period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "street_id": ID},
            returns=obj({"period": STRING, "street_id": nullable(ID), "rows": array(_ROW), "total": _ROW}),
            errors=(403, 404),
        )
    },
    "/units/{unit_id}/figures": {
        "get": operation(
            "A unit's 三率 for a month (its members and the dispatchers above it; others 404)",
            tag="units",
            query={"period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
            returns=_FIGURES,
            errors=(404,),
        )
    },
    "/orders/{order_id}/assign": action_doc(
        "分拨 a placed request to a unit, or reassign one a unit holds (dispatchers)",
        {"unit_id": ID, "note": _NOTE},
        ("unit_id",),
    ),
    "/orders/{order_id}/sign": action_doc("签收 for the handling unit (its members)"),
    "/orders/{order_id}/return": action_doc(
        "退单: back to the dispatcher with a reason (handling unit, before replying)",
        {"reason": _NOTE},
        ("reason",),
    ),
    "/orders/{order_id}/extension": action_doc(
        "延期 request (handling unit); one pending at a time",
        {"hours": {"type": "integer", "minimum": 1, "maximum": routing.MAX_EXTENSION_HOURS}, "reason": _NOTE},
        ("hours", "reason"),
        ok=202,
    ),
    "/orders/{order_id}/extension/decision": action_doc(
        "Approve (resolve_by moves by the hours asked) or refuse the pending 延期 (dispatchers)",
        {"approve": BOOLEAN},
        ("approve",),
    ),
    "/orders/{order_id}/reply": action_doc(
        "反馈 the result (handling unit, after signing)",
        {"result": {"type": "string", "maxLength": 1000}},
        ("result",),
    ),
    "/orders/{order_id}/callback": action_doc(
        "回访 (dispatchers): satisfied or basically closes; unsatisfied sends it back to the unit (重办)",
        {"satisfaction": {"type": "string", "enum": list(SATISFACTIONS)}, "note": _NOTE},
        ("satisfaction",),
    ),
    "/orders/{order_id}/whistle": action_doc(
        "吹哨: call departments in; each must report in by report_by (street admin or community staff)",
        {"unit_ids": array(ID), "note": _NOTE},
        ("unit_ids",),
    ),
    "/orders/{order_id}/report-in": action_doc("报到 for a whistled unit (its members)", {"note": _NOTE}),
    "/orders/{order_id}/answer": action_doc(
        "预检分诊: answer a simple question at intake and close (dispatchers)",
        {"answer": {"type": "string", "maxLength": 1000}},
        ("answer",),
    ),
    "/orders/{order_id}/priority": action_doc(
        "Set the priority of a placed request (dispatchers); its deadlines follow",
        {"priority": {"type": "string", "enum": list(PRIORITIES)}},
        ("priority",),
    ),
}
