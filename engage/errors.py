"""Domain errors, and the one place that turns them into HTTP answers.

Services raise these (and the ledger's own errors); views, API handlers and CLI
commands never build error answers of their own.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from points import errors as ledger_errors

log = logging.getLogger("engage.security")


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "invalid_input"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    status, code = 400, "invalid_input"

    @classmethod
    def field(cls, name: str, message: str) -> "Invalid":
        """The usual case: one field is wrong, and the message says why."""
        return cls(str(message), {name: str(message)})


class Unauthenticated(DomainError):
    status, code = 401, "unauthenticated"


class InvalidCredentials(DomainError):
    status, code = 401, "invalid_credentials"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class RateLimited(DomainError):
    status, code = 429, "rate_limited"


LEDGER_ERROR_CODES: dict[type[Exception], tuple[int, str]] = {
    ledger_errors.InsufficientPoints: (409, "insufficient_points"),
    ledger_errors.IdempotencyMismatch: (409, "idempotency_mismatch"),
}

HTTP_CODES = {400: "invalid_input", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "invalid_input", 429: "rate_limited"}


def describe(error: Exception) -> tuple[int, str, str, dict]:
    """Status, code, message and field errors for any error we answer."""
    if isinstance(error, DomainError):
        return error.status, error.code, error.message or _default_message(error.status), error.fields
    for cls, (status, code) in LEDGER_ERROR_CODES.items():
        if isinstance(error, cls):
            return status, code, str(error), {}
    if isinstance(error, HTTPException):
        status = error.code or 500
        return status, HTTP_CODES.get(status, "error"), _default_message(status), {}
    return 500, "internal_error", _default_message(500), {}


def is_expected(error: Exception) -> bool:
    """A refusal a client can act on (4xx), as opposed to a fault."""
    return isinstance(error, (DomainError, *LEDGER_ERROR_CODES)) and describe(error)[0] < 500


def _default_message(status: int) -> str:
    messages = {
        400: _("输入有误，请检查后重试。"),
        401: _("请先登录。"),
        403: _("您没有权限执行此操作。"),
        404: _("没有找到该内容。"),
        405: _("不支持该请求方式。"),
        409: _("当前状态不允许此操作。"),
        429: _("请求过于频繁，请稍后再试。"),
    }
    return messages.get(status, _("服务器出错了，请稍后再试。"))


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


def handle_error(error: Exception):
    """Map any error to the JSON contract or to a page; roll back first."""
    from engage.extensions import db

    db.session.rollback()
    status, code, message, fields = describe(error)
    if status == 500:
        if current_app.testing:
            raise error
        logging.getLogger("engage").exception("unhandled error", exc_info=error)
    if status == 403:
        _record_forbidden(message)
    if wants_json():
        return json_error(status, code, message, fields)
    if status in (400, 409) and request.method == "POST" and request.referrer:
        flash(message, "error")
        return redirect(request.referrer)
    return render_template("error.html", status=status, message=message), status


def _record_forbidden(message: str) -> None:
    """Authorization failures are security events, kept although the request fails."""
    from flask_login import current_user

    from engage.audit.services import record_auth_event
    from engage.extensions import db

    user = getattr(g, "api_user", None) or (current_user if current_user.is_authenticated else None)
    record_auth_event(db.session, "forbidden", user=user, ip=request.remote_addr,
                      detail=f"{request.method} {request.path}: {message}")


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_error)
    app.register_error_handler(HTTPException, handle_error)
    for cls in LEDGER_ERROR_CODES:
        app.register_error_handler(cls, handle_error)
    app.register_error_handler(Exception, handle_error)
