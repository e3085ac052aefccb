"""468 duties over JSON (API.md "468 duties")."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from engage.api.core import current_actor, json_body, paginated, require_fields
from engage.api.openapi import operation
from engage.duties import care, compliance
from engage.errors import Invalid
from engage.extensions import db
from engage.i18n import local_zone
from engage.validation import whole
from points.base import utcnow

bp = Blueprint("duties_api", __name__)



@bp.get("/duties/care-targets")
def care_targets():
    now = utcnow()
    return jsonify(paginated(care.target_list(db.session, current_actor(), overdue=request.args.get("overdue") == "1"),
                             lambda target: care.masked(target, now)))


@bp.get("/duties/care-targets/<int:target_id>")
def care_target(target_id: int):
    record = care.open_record(db.session, current_actor(), target_id, purpose="api")
    return jsonify(care.full(record, utcnow()))


@bp.post("/duties/visits")
def visit():
    body = json_body()
    require_fields(body, "target_id", "visited_at", "kind")
    try:
        visited_at = datetime.fromisoformat(str(body["visited_at"]))
    except ValueError:
        raise Invalid(_("时间格式无效。"), {"visited_at": _("需要带时区的 ISO 8601 时间。")}) from None
    found = care.record_visit(db.session, current_actor(), whole(body["target_id"], "target_id", 1, 2**31 - 1),
                              visited_at=visited_at, kind=body["kind"], found=str(body.get("notes", "")),
                              follow_up=str(body.get("follow_up", "")), zone=local_zone())
    return jsonify({"id": found.id, "target_id": found.target_id, "visited_at": found.visited_at.isoformat(),
                    "next_visit_due": found.target.next_visit_due.isoformat()}), 201


@bp.get("/duties/compliance")
def compliance_figures():
    period = compliance.parse_period(request.args.get("period"), local_zone())
    return jsonify(compliance.figures(db.session, current_actor(), period,
                                      stale_days=current_app.config["DUTY_STALE_DAYS"]).as_json())


OPENAPI_PATHS = {
    "/duties/care-targets": {"get": operation(
        "Care targets in the caller's scope, names and phones masked (?overdue=1)", tag="duties", errors=(403,))},
    "/duties/care-targets/{target_id}": {"get": operation(
        "The full record; every read is written to the access log", tag="duties", errors=(403, 404))},
    "/duties/visits": {"post": operation(
        "Record a visit (assigned worker or staff); the next due date moves on", tag="duties", ok=201,
        errors=(400, 403, 404), body={"target_id": {"type": "integer"}, "visited_at": {"type": "string"},
                                      "kind": {"type": "string", "enum": ["home", "phone", "video", "other"]},
                                      "notes": {"type": "string"}})},
    "/duties/compliance": {"get": operation(
        "4/6/8 compliance rates (0–1) for a month (?period=YYYY-MM) in the caller's scope", tag="duties",
        errors=(400, 403))},
}
