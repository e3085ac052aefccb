"""Token authentication and the caller's identity (docs/api.md "Health and identity")."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from engage.api.core import bearer_token, current_actor, json_body, public
from engage.api.openapi import BOOLEAN, ID, INTEGER, NUMBER, STRING, array, nullable, obj, operation
from engage.auth import recovery, signin
from engage.auth.models import User
from engage.auth.services import change_password, choose_new_password, open_session, revoke_session
from engage.errors import Invalid, InvalidCredentials
from engage.extensions import db
from engage.home.services import account_summary
from engage.unit_of_work import commit_answer
from engage.validation import optional_string
from engage.verification.services import CodeRules

bp = Blueprint("auth_api", __name__)


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "roles": user.roles,
        "must_change_password": user.must_change_password,
    }


def _rules() -> CodeRules:
    return CodeRules.from_config(current_app.config)


def _text(body: dict, name: str) -> str:
    return optional_string(body.get(name), name) or ""


@bp.post("/auth/sms-codes")
@public
def send_code():
    """202 whether or not the phone has an account (no SMS goes to one without)."""
    body = json_body()
    recovery.send_account_code(
        db.session,
        _rules(),
        purpose=_text(body, "purpose") or "login",
        phone=_text(body, "phone"),
        ip=request.remote_addr,
    )
    return jsonify({"status": "accepted"}), 202


def _signed_in(body: dict) -> User:
    """By username and password, or by phone and SMS code; a wrong code's try stays counted."""
    if "sms_code" not in body:
        return signin.check_credentials(_text(body, "username"), _text(body, "password"))
    user = recovery.sign_in_by_code(
        db.session, _rules(), phone=_text(body, "phone"), code=_text(body, "sms_code")
    )
    if user is None:
        commit_answer(db.session)
        signin.record_failure("login_sms_failed", _text(body, "phone"))
        raise InvalidCredentials(_("验证码错误或已失效，请重新获取。"))
    return user


@bp.post("/auth/token")
@public
def issue_token():
    body = json_body()
    user = _signed_in(body)
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


@bp.post("/auth/password-reset")
@public
def reset_password():
    body = json_body()
    user = recovery.reset_password_by_code(
        db.session,
        _rules(),
        phone=_text(body, "phone"),
        code=_text(body, "sms_code"),
        password=_text(body, "password"),
    )
    if user is None:
        commit_answer(db.session)
        signin.record_failure("password_reset_failed", _text(body, "phone"))
        raise Invalid.field("sms_code", _("验证码错误或已失效，请重新获取。"))
    signin.record(user, "password_reset_sms")
    return jsonify({"status": "reset"})


@bp.post("/me/password")
def new_password():
    """The caller's new password; every other session and token of theirs ends. After staff
    reset it, the one-time password is not asked again (``current`` is ignored)."""
    body = json_body()
    user = current_actor()
    if user.must_change_password:
        choose_new_password(db.session, user, new=_text(body, "new"))
    else:
        change_password(db.session, user, current=_text(body, "current"), new=_text(body, "new"))
    signin.record(user, "password_changed")
    return jsonify({"status": "changed"})


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


USER = obj({"id": ID, "username": STRING, "roles": array(STRING), "must_change_password": BOOLEAN})
PHONE = {"type": "string", "maxLength": 20}
TOKEN = operation(
    "Exchange username and password, or phone and SMS code, for a bearer token",
    tag="auth",
    auth=False,
    body={"username": STRING, "password": STRING, "phone": PHONE, "sms_code": STRING},
    returns=obj({"token": STRING, "user": USER}),
    errors=(400, 401, 429),
)
TOKEN["requestBody"]["content"]["application/json"]["schema"]["anyOf"] = [
    {"required": ["username", "password"]},
    {"required": ["phone", "sms_code"]},
]
OPENAPI_PATHS = {
    "/auth/token": {"post": TOKEN},
    "/auth/sms-codes": {
        "post": operation(
            "Send a sign-in or password-reset code to a resident's or volunteer's phone",
            tag="auth",
            auth=False,
            body={"phone": PHONE, "purpose": {"type": "string", "enum": ["login", "reset"]}},
            required=("phone",),
            returns=obj({"status": STRING}),
            ok=202,
            errors=(400, 429),
        )
    },
    "/auth/password-reset": {
        "post": operation(
            "Set a new password with a reset code; every session and token of the account ends",
            tag="auth",
            auth=False,
            body={"phone": PHONE, "sms_code": STRING, "password": STRING},
            required=("phone", "sms_code", "password"),
            returns=obj({"status": STRING}),
            errors=(400,),
        )
    },
    "/me/password": {
        "post": operation(
            "Change the caller's password; every other session and token ends",
            tag="auth",
            body={"current": STRING, "new": STRING},
            required=("new",),
            returns=obj({"status": STRING}),
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
