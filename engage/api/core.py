"""What every API handler shares: bearer authentication, input, lists.

The API is authenticated only by bearer tokens, never by the session cookie, which
is why it can be exempt from CSRF.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Select

from engage.auth.models import User
from engage.auth.services import resolve_session
from engage.errors import Invalid, Unauthenticated
from engage.extensions import db
from engage.pagination import paginate
from engage.persistence import reading

MAX_PER_PAGE = 100


def public(view: Callable) -> Callable:
    """Marks an endpoint that needs no token (token issue, OpenAPI document)."""
    view.is_public = True
    return view


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "is_public", False):
        return
    with reading(db.session):
        user = resolve_session(db.session, bearer_token(), kind="api")
    if user is None:
        raise Unauthenticated(_("请先登录。"))
    g.api_user = user


def current_actor() -> User:
    return g.api_user


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(_("请求体必须是 JSON 对象。"))
    return body


def require_fields(body: dict, *names: str) -> None:
    missing = {name: _("必填项。") for name in names if body.get(name) in (None, "")}
    if missing:
        raise Invalid(_("缺少必填项。"), missing)


def int_arg(name: str, default: int, *, low: int, high: int) -> int:
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid(_("参数无效。"), {name: _("必须是整数。")}) from None
    if not low <= value <= high:
        raise Invalid(_("参数无效。"), {name: _("超出范围。")})
    return value


def paginated(stmt: Select, serialize: Callable[[Any], dict]) -> dict:
    """``?page&per_page`` over a select, in the list shape of API.md."""
    result = paginate(db.session, stmt, page=int_arg("page", 1, low=1, high=10**6),
                      per_page=int_arg("per_page", 20, low=1, high=MAX_PER_PAGE))
    return {"items": [serialize(row) for row in result.items], "page": result.page,
            "per_page": result.per_page, "total": result.total}
