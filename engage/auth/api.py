"""Token authentication and the caller's identity (docs/api.md "Health and identity")."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request

from engage.api.core import bearer_token, current_actor, json_body, public
from engage.api.openapi import ID, INTEGER, NUMBER, STRING, array, nullable, obj, operation
from engage.auth import signin
from engage.auth.models import User
from engage.auth.services import open_session, revoke_session
from engage.extensions import db
from engage.home.services import account_summary
from engage.validation import optional_string

bp = Blueprint("auth_api", __name__)


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "roles": user.roles}


@bp.post("/auth/token")
@public
def issue_token():
    body = json_body()
    user = signin.check_credentials(
        optional_string(body.get("username"), "username") or "",
        optional_string(body.get("password"), "password") or "",
    )
    lifetime = timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    token = open_session(
        db.session,
        user,
        kind="api",
        lifetime=lifetime,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
    )
    signin.record(user, "token_issued")
    return jsonify({"token": token, "user": user_json(user)})


@bp.post("/auth/revoke")
def revoke_token():
    revoke_session(db.session, bearer_token())
    signin.record(current_actor(), "token_revoked")
    return jsonify({"status": "revoked"})


@bp.get("/me")
def me():
    user = current_actor()
    return jsonify(
        {
            **user_json(user),
            "display_name": user.display_name,
            "community_id": user.community_id,
            **account_summary(db.session, user),
        }
    )


USER = obj({"id": ID, "username": STRING, "roles": array(STRING)})
OPENAPI_PATHS = {
    "/auth/token": {
        "post": operation(
            "Exchange username and password for a bearer token",
            tag="auth",
            auth=False,
            body={"username": STRING, "password": STRING},
            required=("username", "password"),
            returns=obj({"token": STRING, "user": USER}),
            errors=(400, 401, 429),
        )
    },
    "/auth/revoke": {"post": operation("End the calling token", tag="auth", returns=obj({"status": STRING}))},
    "/me": {
        "get": operation(
            "The caller's identity, points balance and service hours",
            tag="auth",
            returns=obj(
                {
                    **USER["properties"],
                    "display_name": STRING,
                    "community_id": nullable(ID),
                    "points_balance": INTEGER,
                    "service_hours": NUMBER,
                }
            ),
        )
    },
}
