"""468 duties over JSON (docs/api.md "468 duties")."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from engage.api.core import choice_arg, current_actor, json_body, paginated, require_fields
from engage.api.openapi import BOOLEAN, ID, PAGE_QUERY, STRING, TIME, array, nullable, obj, operation, page_of
from engage.duties import care, compliance, events
from engage.duties.models import EVENT_KINDS, VISIT_KINDS, DutyEvent
from engage.extensions import db
from engage.i18n import local_zone
from engage.validation import identifier, moment
from points.base import utcnow

bp = Blueprint("duties_api", __name__)


@bp.get("/duties/care-targets")
def care_targets():
    now = utcnow()
    overdue = choice_arg("overdue", ("0", "1")) == "1"
    return jsonify(
        paginated(
            care.target_list(db.session, current_actor(), overdue=overdue),
            lambda target: care.masked(target, now),
        )
    )


@bp.get("/duties/care-targets/<int:target_id>")
def care_target(target_id: int):
    record = care.open_record(
        db.session, current_actor(), target_id, purpose="api", key=current_app.config["DATA_ENCRYPTION_KEY"]
    )
    return jsonify(care.full(record, utcnow()))


@bp.post("/duties/visits")
def visit():
    body = json_body()
    require_fields(body, "target_id", "visited_at", "kind")
    found = care.record_visit(
        db.session,
        current_actor(),
        identifier(body["target_id"], "target_id"),
        visited_at=moment(body["visited_at"], "visited_at"),
        kind=body["kind"],
        found=body.get("notes", ""),
        follow_up=body.get("follow_up", ""),
        zone=local_zone(),
        key=current_app.config["DATA_ENCRYPTION_KEY"],
    )
    return jsonify(
        {
            "id": found.id,
            "target_id": found.target_id,
            "visited_at": found.visited_at.isoformat(),
            "next_visit_due": found.target.next_visit_due.isoformat(),
        }
    ), 201


def event_json(event: DutyEvent) -> dict:
    return {
        "id": event.id,
        "kind": event.kind,
        "title": event.title,
        "status": event.status,
        "grid_id": event.grid_id,
        "reported_at": event.reported_at.isoformat(),
        "arrive_by": event.arrive_by.isoformat(),
        "responsible_worker_id": event.responsible_worker_id,
    }


@bp.post("/duties/events")
def report_event():
    body = json_body()
    require_fields(body, "grid_id", "kind", "title")
    config = current_app.config
    event = events.report_event(
        db.session,
        current_actor(),
        grid_id=body["grid_id"],
        kind=body["kind"],
        title=body["title"],
        description=body.get("description") or "",
        urgent_minutes=config["DUTY_URGENT_ARRIVE_MINUTES"],
        other_hours=config["DUTY_ARRIVE_HOURS"],
    )
    return jsonify(event_json(event)), 201


@bp.get("/duties/events/<int:event_id>")
def event(event_id: int):
    return jsonify(event_json(events.get_event(db.session, current_actor(), event_id)))


@bp.get("/duties/compliance")
def compliance_figures():
    period = compliance.parse_period(request.args.get("period"), local_zone())
    return jsonify(
        compliance.figures(
            db.session, current_actor(), period, stale_days=current_app.config["DUTY_STALE_DAYS"]
        ).as_json()
    )


_TARGET = obj(
    {
        "id": ID,
        "category": STRING,
        "name": STRING,
        "phone": nullable(STRING),
        "grid_id": nullable(ID),
        "next_visit_due": TIME,
        "overdue": BOOLEAN,
    }
)
_EVENT = obj(
    {
        "id": ID,
        "kind": STRING,
        "title": STRING,
        "status": {"type": "string", "enum": ["reported", "arrived", "handled", "closed"]},
        "grid_id": ID,
        "reported_at": TIME,
        "arrive_by": TIME,
        "responsible_worker_id": nullable(ID),
    }
)
_RATE = {"rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1}}
OPENAPI_PATHS = {
    "/duties/care-targets": {
        "get": operation(
            "Care targets in the caller's scope, names and phones masked",
            tag="duties",
            errors=(403,),
            query={**PAGE_QUERY, "overdue": {"type": "string", "enum": ["0", "1"]}},
            returns=page_of(_TARGET),
        )
    },
    "/duties/care-targets/{target_id}": {
        "get": operation(
            "The full record; every read is written to the access log",
            tag="duties",
            errors=(403, 404),
            returns=obj(
                {
                    **_TARGET["properties"],
                    "address": nullable(STRING),
                    "visits": array(obj({"id": ID, "visited_at": TIME, "kind": STRING})),
                }
            ),
        )
    },
    "/duties/visits": {
        "post": operation(
            "Record a visit (assigned worker or staff); the next due date moves on",
            tag="duties",
            ok=201,
            errors=(403, 404),
            required=("target_id", "visited_at", "kind"),
            body={
                "target_id": ID,
                "visited_at": TIME,
                "kind": {"type": "string", "enum": list(VISIT_KINDS)},
                "notes": STRING,
                "follow_up": STRING,
            },
            returns=obj({"id": ID, "target_id": ID, "visited_at": TIME, "next_visit_due": TIME}),
        )
    },
    "/duties/events": {
        "post": operation(
            "Report a 必到 event for a grid; its grid worker is alerted at once (urgent kinds by SMS)",
            tag="duties",
            ok=201,
            errors=(403,),
            required=("grid_id", "kind", "title"),
            body={
                "grid_id": ID,
                "kind": {"type": "string", "enum": list(EVENT_KINDS)},
                "title": STRING,
                "description": STRING,
            },
            returns=_EVENT,
        )
    },
    "/duties/events/{event_id}": {
        "get": operation("A 必到 event in the caller's scope", tag="duties", errors=(403,), returns=_EVENT)
    },
    "/duties/compliance": {
        "get": operation(
            "4/6/8 compliance rates (0–1) for a month (?period=YYYY-MM) in the caller's scope",
            tag="duties",
            query={
                "period": {
                    "type": "string",
                    "pattern": r"^(\d{4}-\d{2})?$",
                    "description": "empty: this month",
                }
            },
            errors=(403,),
            returns=obj({"must_arrive": obj(_RATE), "must_know": obj(_RATE), "must_visit": obj(_RATE)}),
        )
    },
}
