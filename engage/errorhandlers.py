"""The one place that turns errors into HTTP answers: a page, a flash or the JSON contract.

Services raise the domain errors of engage/errors.py (and the ledger's own errors);
views, API handlers and CLI commands never build error answers of their own.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, flash, g, jsonify, make_response, redirect, render_template, request
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from engage.audit.services import record_auth_event
from engage.errors import DomainError
from engage.extensions import db
from points import errors as ledger_errors

# The ledger speaks English and names its accounts ("user:6 has too few points for 20"):
# users get the status, code and translated message here instead, never the ledger's text.
# Any other ledger error (unbalanced or repeated postings) is a fault of our code: 500, logged.
LEDGER_ERRORS: dict[type[ledger_errors.LedgerError], tuple[int, str, LazyString]] = {
    ledger_errors.InsufficientPoints: (409, "insufficient_points", _l("积分余额不足。")),
    ledger_errors.IdempotencyMismatch: (
        409,
        "idempotency_mismatch",
        _l("该请求编号已用于另一笔不同的操作。"),
    ),
    ledger_errors.InvalidAmount: (400, "invalid_input", _l("积分数必须是正整数。")),
    ledger_errors.HoldNotPending: (409, "invalid_transition", _l("这笔冻结积分已经结算或撤销。")),
    ledger_errors.AlreadyReversed: (409, "invalid_transition", _l("这笔积分已经冲正过。")),
}

HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "invalid_input",
    429: "rate_limited",
}


def describe(error: Exception) -> tuple[int, str, str, dict]:
    """Status, code, message and field errors for any error we answer."""
    if isinstance(error, DomainError):
        return error.status, error.code, error.message or _default_message(error.status), error.fields
    if isinstance(error, ledger_errors.LedgerError):
        status, code, message = LEDGER_ERRORS.get(type(error), (500, "internal_error", _default_message(500)))
        return status, code, str(message), {}
    if isinstance(error, HTTPException):
        status = error.code or 500
        return status, HTTP_CODES.get(status, "error"), _default_message(status), {}
    return 500, "internal_error", _default_message(500), {}


def is_expected(error: Exception) -> bool:
    """A refusal a client can act on (4xx), as opposed to a fault."""
    return isinstance(error, (DomainError, ledger_errors.LedgerError)) and describe(error)[0] < 500


def _default_message(status: int) -> str:
    messages = {
        400: _("输入有误，请检查后重试。"),
        401: _("请先登录。"),
        403: _("您没有权限执行此操作。"),
        404: _("没有找到该内容。"),
        405: _("不支持该请求方式。"),
        409: _("当前状态不允许此操作。"),
        413: _("提交的内容过大。"),
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
    """Map any error to the JSON contract or to a page, keeping the headers an HTTP error
    carries (``Allow`` on a 405); roll back first."""
    response = make_response(_error_answer(error))
    if isinstance(error, HTTPException):
        response.headers.extend(
            (name, value) for name, value in error.get_headers() if name != "Content-Type"
        )
    return response


def _error_answer(error: Exception):
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
    user = getattr(g, "api_user", None) or (current_user if current_user.is_authenticated else None)
    record_auth_event(
        db.session,
        "forbidden",
        user=user,
        ip=request.remote_addr,
        detail=f"{request.method} {request.path}: {message}",
    )


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_error)
    app.register_error_handler(HTTPException, handle_error)
    app.register_error_handler(ledger_errors.LedgerError, handle_error)
    app.register_error_handler(Exception, handle_error)
