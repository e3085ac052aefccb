"""What every API handler shares: bearer authentication, input, lists.

The API is authenticated only by bearer tokens, never by the session cookie, which
is why it can be exempt from CSRF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from sqlalchemy import Select

from engage.auth.models import User
from engage.auth.services import resolve_session
from engage.errors import Forbidden, Invalid, Unauthenticated
from engage.extensions import db
from engage.pagination import MAX_PAGE, paginate
from engage.persistence import reading
from engage.validation import storable, storable_tree

MAX_PER_PAGE = 100
# What a token of an account whose password staff reset may call until it chooses a new one.
WHILE_CHOOSING_PASSWORD = frozenset(
    {"api.auth_api.me", "api.auth_api.new_password", "api.auth_api.revoke_token"}
)


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
    if user.must_change_password and request.endpoint not in WHILE_CHOOSING_PASSWORD:
        raise Forbidden(_("您的密码已由工作人员重置，请先设置新密码（POST /api/v1/me/password）。"))
    g.api_user = user


def current_actor() -> User:
    return g.api_user


class BoundedJSONProvider(DefaultJSONProvider):
    """Parses bodies like the default provider, but a body nested deeper than Python's
    recursion limit is malformed input (``ValueError``, so ``get_json(silent=True)`` gives
    None and the caller answers 400) rather than a ``RecursionError`` and a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def json_body() -> dict[str, Any]:
    """The request's JSON object, every string in it storable (named by its top-level field)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(_("请求体必须是 JSON 对象。"))
    for name, value in body.items():
        storable(str(name), str(name))
        storable_tree(value, str(name))
    return body


def require_fields(body: dict, *names: str) -> None:
    missing = {name: _("必填项。") for name in names if body.get(name) in (None, "")}
    if missing:
        raise Invalid(_("缺少必填项。"), missing)


def int_arg(name: str, default: int, *, low: int, high: int) -> int:
    """ASCII digits only: ``int()`` alone would also take "٣", " 3" and "1_000"."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid(_("参数无效。"), {name: _("必须是整数。")})
    value = int(raw)
    if not low <= value <= high:
        raise Invalid(_("参数无效。"), {name: _("超出范围。")})
    return value


def choice_arg(name: str, choices: tuple[str, ...]) -> str:
    """A query parameter that names one of ``choices`` (the first when absent); anything else,
    an empty value included, is refused rather than silently read as the default."""
    raw = request.args.get(name, choices[0])
    if raw not in choices:
        raise Invalid(_("参数无效。"), {name: _("可选值：%(values)s。", values="、".join(choices))})
    return raw


def paginated(stmt: Select, serialize: Callable[[Any], dict]) -> dict:
    """``?page&per_page`` over a select, in the list shape of docs/api.md ("Conventions")."""
    result = paginate(
        db.session,
        stmt,
        page=int_arg("page", 1, low=1, high=MAX_PAGE),
        per_page=int_arg("per_page", 20, low=1, high=MAX_PER_PAGE),
    )
    return result.as_json(serialize)
