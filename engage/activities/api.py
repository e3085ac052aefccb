"""Activities over JSON (API.md "Activities")."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from engage.activities import attendance, services
from engage.activities.models import Activity, Enrollment
from engage.api.core import current_actor, json_body, paginated, require_fields
from engage.api.openapi import operation
from engage.errors import Invalid
from engage.extensions import db

bp = Blueprint("activities_api", __name__)


def activity_json(activity: Activity) -> dict:
    return {"id": activity.id, "title": activity.title, "kind": activity.kind,
            "description": activity.description, "location": activity.location,
            "starts_at": activity.starts_at.isoformat(), "ends_at": activity.ends_at.isoformat(),
            "capacity": activity.capacity, "enrolled": activity.enrolled,
            "points_per_hour": activity.points_per_hour, "waitlist": activity.waitlist,
            "skills": activity.skills, "team_id": activity.team_id, "series_id": activity.series_id}


def attendance_json(enrollment: Enrollment) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {"status": enrollment.status, "checked_in_at": iso(enrollment.checked_in_at),
            "checked_out_at": iso(enrollment.checked_out_at),
            "hours": (enrollment.minutes or 0) / 60, "points_awarded": enrollment.points_awarded}


def _moment(body: dict, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(body[name]))
    except (KeyError, ValueError):
        raise Invalid(_("时间格式无效。"), {name: _("需要带时区的 ISO 8601 时间。")}) from None
    if moment.tzinfo is None:
        raise Invalid(_("时间格式无效。"), {name: _("需要带时区的 ISO 8601 时间。")})
    return moment


@bp.post("/activities")
def create():
    body = json_body()
    require_fields(body, "title", "kind", "starts_at", "ends_at", "capacity", "points_per_hour",
                   "location")
    activity = services.create_activity(
        db.session, current_actor(), title=body["title"], kind=body["kind"],
        starts_at=_moment(body, "starts_at"), ends_at=_moment(body, "ends_at"),
        capacity=body["capacity"], points_per_hour=body["points_per_hour"], location=body["location"],
        description=body.get("description", ""), waitlist=body.get("waitlist", True),
        skills=body.get("skills", ""), team_id=body.get("team_id"), repeat_weeks=body.get("repeat_weeks", 0))
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
    token, expires_at = attendance.checkin_code(db.session, current_actor(), activity_id,
                                                current_app.config["SECRET_KEY"])
    return jsonify({"token": token, "expires_at": expires_at.isoformat()})


@bp.post("/activities/<int:activity_id>/checkin")
def checkin(activity_id: int):
    body = json_body()
    require_fields(body, "token")
    enrollment = attendance.check_in(db.session, current_actor(), activity_id, str(body["token"]),
                                     current_app.config["SECRET_KEY"])
    return jsonify(attendance_json(enrollment))


@bp.post("/activities/<int:activity_id>/checkout")
def checkout(activity_id: int):
    body = json_body()
    require_fields(body, "token")
    enrollment = attendance.check_out(db.session, current_actor(), activity_id, str(body["token"]),
                                      current_app.config["SECRET_KEY"],
                                      max_hours=current_app.config["ACTIVITY_MAX_HOURS"])
    return jsonify(attendance_json(enrollment))


_ERRORS = (400, 403, 404, 409)
OPENAPI_PATHS = {
    "/activities": {
        "post": operation("Post an activity (staff)", tag="activities", ok=201, errors=(400, 403), body={
            "title": {"type": "string"}, "kind": {"type": "string"}, "starts_at": {"type": "string"},
            "ends_at": {"type": "string"}, "capacity": {"type": "integer"},
            "points_per_hour": {"type": "integer"}, "location": {"type": "string"},
            "skills": {"type": "string"}, "team_id": {"type": "integer"},
            "repeat_weeks": {"type": "integer", "description": "weekly occurrences after the first"}}),
        "get": operation("Upcoming activities of the caller's community", tag="activities"),
    },
    "/activities/{activity_id}/enroll": {"post": operation(
        "Enrol; waitlisted when full; 409 activity_full or already_enrolled", tag="activities",
        ok=201, errors=_ERRORS)},
    "/activities/{activity_id}/withdraw": {"post": operation(
        "Withdraw before the start; the first waiting volunteer moves up", tag="activities",
        errors=_ERRORS)},
    "/activities/{activity_id}/checkin-code": {"get": operation(
        "A check-in code valid for 60 seconds (staff)", tag="activities", errors=(403, 404))},
    "/activities/{activity_id}/checkin": {"post": operation(
        "Check in with a scanned code", tag="activities", body={"token": {"type": "string"}},
        errors=_ERRORS)},
    "/activities/{activity_id}/checkout": {"post": operation(
        "Check out with a newer code; credits hours and points once", tag="activities",
        body={"token": {"type": "string"}}, errors=_ERRORS)},
}
