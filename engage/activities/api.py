"""Activities over JSON (docs/api.md "Activities")."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from engage.activities import attendance, services
from engage.activities.models import KINDS, Activity, Enrollment
from engage.api.core import current_actor, json_body, paginated, require_fields
from engage.api.openapi import (
    BOOLEAN,
    ID,
    INTEGER,
    NUMBER,
    PAGE_QUERY,
    STRING,
    TIME,
    nullable,
    obj,
    operation,
    page_of,
)
from engage.extensions import db
from engage.validation import flag, identifier, moment, optional_string

bp = Blueprint("activities_api", __name__)


def activity_json(activity: Activity) -> dict:
    return {
        "id": activity.id,
        "title": activity.title,
        "kind": activity.kind,
        "description": activity.description,
        "location": activity.location,
        "starts_at": activity.starts_at.isoformat(),
        "ends_at": activity.ends_at.isoformat(),
        "capacity": activity.capacity,
        "enrolled": activity.enrolled,
        "points_per_hour": activity.points_per_hour,
        "waitlist": activity.waitlist,
        "skills": activity.skills,
        "team_id": activity.team_id,
        "series_id": activity.series_id,
    }


def attendance_json(enrollment: Enrollment) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "status": enrollment.status,
        "checked_in_at": iso(enrollment.checked_in_at),
        "checked_out_at": iso(enrollment.checked_out_at),
        "hours": (enrollment.minutes or 0) / 60,
        "points_awarded": enrollment.points_awarded,
    }


@bp.post("/activities")
def create():
    body = json_body()
    require_fields(body, "title", "kind", "starts_at", "ends_at", "capacity", "points_per_hour", "location")
    activity = services.create_activity(
        db.session,
        current_actor(),
        title=body["title"],
        kind=body["kind"],
        starts_at=moment(body["starts_at"], "starts_at"),
        ends_at=moment(body["ends_at"], "ends_at"),
        capacity=body["capacity"],
        points_per_hour=body["points_per_hour"],
        location=body["location"],
        description=body.get("description", ""),
        waitlist=flag(body.get("waitlist"), "waitlist", True),
        skills=body.get("skills", ""),
        team_id=identifier(body.get("team_id"), "team_id", required=False),
        repeat_weeks=body.get("repeat_weeks", 0),
    )
    return jsonify(activity_json(activity)), 201


@bp.get("/activities")
def upcoming():
    return jsonify(paginated(services.upcoming(db.session, current_actor()), activity_json))


@bp.post("/activities/<int:activity_id>/enroll")
def enroll(activity_id: int):
    return jsonify({"status": services.enroll(db.session, current_actor(), activity_id).status}), 201


@bp.post("/activities/<int:activity_id>/withdraw")
def withdraw(activity_id: int):
    return jsonify({"status": services.withdraw(db.session, current_actor(), activity_id).status})


@bp.get("/activities/<int:activity_id>/checkin-code")
def checkin_code(activity_id: int):
    token, expires_at = attendance.checkin_code(
        db.session, current_actor(), activity_id, current_app.config["SECRET_KEY"]
    )
    return jsonify({"token": token, "expires_at": expires_at.isoformat()})


@bp.post("/activities/<int:activity_id>/checkin")
def checkin(activity_id: int):
    body = json_body()
    require_fields(body, "token")
    enrollment = attendance.check_in(
        db.session,
        current_actor(),
        activity_id,
        optional_string(body["token"], "token"),
        current_app.config["SECRET_KEY"],
    )
    return jsonify(attendance_json(enrollment))


@bp.post("/activities/<int:activity_id>/checkout")
def checkout(activity_id: int):
    body = json_body()
    require_fields(body, "token")
    enrollment = attendance.check_out(
        db.session,
        current_actor(),
        activity_id,
        optional_string(body["token"], "token"),
        current_app.config["SECRET_KEY"],
        max_hours=current_app.config["ACTIVITY_MAX_HOURS"],
    )
    return jsonify(attendance_json(enrollment))


_TIME_OR_NULL = nullable(TIME)
ACTIVITY = obj(
    {
        "id": ID,
        "title": STRING,
        "kind": STRING,
        "description": nullable(STRING),
        "location": STRING,
        "starts_at": TIME,
        "ends_at": TIME,
        "capacity": INTEGER,
        "enrolled": INTEGER,
        "points_per_hour": INTEGER,
        "waitlist": BOOLEAN,
        "skills": nullable(STRING),
        "team_id": nullable(ID),
        "series_id": nullable(ID),
    }
)
ATTENDANCE = obj(
    {
        "status": STRING,
        "checked_in_at": _TIME_OR_NULL,
        "checked_out_at": _TIME_OR_NULL,
        "hours": NUMBER,
        "points_awarded": nullable(INTEGER),
    }
)
_STATUS = obj({"status": STRING})
_TOKEN = {"token": STRING}
_ERRORS = (403, 404, 409)
OPENAPI_PATHS = {
    "/activities": {
        "post": operation(
            "Post an activity (staff)",
            tag="activities",
            ok=201,
            errors=(403,),
            returns=ACTIVITY,
            required=("title", "kind", "starts_at", "ends_at", "capacity", "points_per_hour", "location"),
            body={
                "title": STRING,
                "kind": {"type": "string", "enum": list(KINDS)},
                "starts_at": TIME,
                "ends_at": TIME,
                "capacity": INTEGER,
                "points_per_hour": INTEGER,
                "location": STRING,
                "description": STRING,
                "waitlist": BOOLEAN,
                "skills": STRING,
                "team_id": ID,
                "repeat_weeks": {"type": "integer", "description": "weekly occurrences after the first"},
            },
        ),
        "get": operation(
            "Upcoming activities of the caller's community",
            tag="activities",
            query=PAGE_QUERY,
            returns=page_of(ACTIVITY),
        ),
    },
    "/activities/{activity_id}/enroll": {
        "post": operation(
            "Enrol; waitlisted when full; 409 activity_full or already_enrolled",
            tag="activities",
            ok=201,
            returns=_STATUS,
            errors=_ERRORS,
        )
    },
    "/activities/{activity_id}/withdraw": {
        "post": operation(
            "Withdraw before the start; the first waiting volunteer moves up",
            tag="activities",
            returns=_STATUS,
            errors=_ERRORS,
        )
    },
    "/activities/{activity_id}/checkin-code": {
        "get": operation(
            "A check-in code valid for 60 seconds (staff)",
            tag="activities",
            returns=obj({"token": STRING, "expires_at": TIME}),
            errors=(403, 409),
        )
    },
    "/activities/{activity_id}/checkin": {
        "post": operation(
            "Check in with a scanned code",
            tag="activities",
            body=_TOKEN,
            required=("token",),
            returns=ATTENDANCE,
            errors=_ERRORS,
        )
    },
    "/activities/{activity_id}/checkout": {
        "post": operation(
            "Check out with a newer code; credits hours and points once",
            tag="activities",
            body=_TOKEN,
            required=("token",),
            returns=ATTENDANCE,
            errors=_ERRORS,
        )
    },
}
