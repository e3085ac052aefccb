"""Points over JSON (docs/api.md "Health and identity" and "Points")."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engage.api.core import current_actor, int_arg, json_body, require_fields
from engage.api.idempotency import idempotent
from engage.api.openapi import ID, INTEGER, PAGE_QUERY, STRING, TIME, nullable, obj, operation, page_of
from engage.extensions import db
from engage.ledger import services
from engage.pagination import MAX_PAGE
from engage.validation import identifier, optional_string

bp = Blueprint("ledger_api", __name__)


def line_json(line) -> dict:
    return {
        "id": line.id,
        "amount": line.amount,
        "balance_after": line.balance_after,
        "kind": line.kind,
        "memo": line.memo,
        "created_at": line.created_at.isoformat(),
    }


@bp.get("/me/points")
def my_points():
    kinds = request.args.getlist("kind") or None
    result = services.my_statement(
        db.session,
        current_actor(),
        kinds=kinds,
        page=int_arg("page", 1, low=1, high=MAX_PAGE),
        per_page=int_arg("per_page", 20, low=1, high=100),
    ).lines
    return jsonify(result.as_json(line_json))


@bp.post("/points/awards")
@idempotent
def award():
    body = json_body()
    require_fields(body, "user_id", "amount", "memo")
    tx = services.award_points(
        db.session,
        current_actor(),
        identifier(body["user_id"], "user_id"),
        body["amount"],
        optional_string(body["memo"], "memo"),
    )
    return {"transaction_id": tx.id, "amount": body["amount"]}, 201


_LINE = obj(
    {
        "id": ID,
        "amount": INTEGER,
        "balance_after": INTEGER,
        "kind": STRING,
        "memo": nullable(STRING),
        "created_at": TIME,
    }
)
OPENAPI_PATHS = {
    "/me/points": {
        "get": operation(
            "The caller's points statement, newest first (?kind= repeated to filter)",
            tag="points",
            query={**PAGE_QUERY, "kind": STRING},
            returns=page_of(_LINE),
        )
    },
    "/points/awards": {
        "post": operation(
            "Award points to a member, paid from the community budget",
            tag="points",
            ok=201,
            body={"user_id": ID, "amount": {"type": "integer", "minimum": 1}, "memo": STRING},
            required=("user_id", "amount", "memo"),
            returns=obj({"transaction_id": ID, "amount": INTEGER}),
            errors=(403, 404, 409),
            idempotent=True,
        )
    },
}
