"""Token authentication and the caller's identity (API.md "Health and identity")."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request

from engage.api.core import bearer_token, current_actor, json_body, public
from engage.api.openapi import operation
from engage.auth import signin
from engage.auth.models import User
from engage.auth.services import account_summary, open_session, revoke_session
from engage.extensions import db

bp = Blueprint("auth_api", __name__)


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "roles": user.roles}


@bp.post("/auth/token")
@public
def issue_token():
    body = json_body()
    user = signin.check_credentials(str(body.get("username", "")), str(body.get("password", "")))
    lifetime = timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    token = open_session(db.session, user, kind="api", lifetime=lifetime, ip=request.remote_addr,
                         user_agent=request.user_agent.string)
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
    return jsonify({**user_json(user), "display_name": user.display_name,
                    "community_id": user.community_id, **account_summary(db.session, user)})


OPENAPI_PATHS = {
    "/auth/token": {"post": operation(
        "Exchange username and password for a bearer token", tag="auth", auth=False,
        body={"username": {"type": "string"}, "password": {"type": "string"}}, errors=(400, 429))},
    "/auth/revoke": {"post": operation("End the calling token", tag="auth")},
    "/me": {"get": operation("The caller's identity, points balance and service hours", tag="auth")},
}
