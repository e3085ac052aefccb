"""The OpenAPI 3.1 document, assembled from each capability's ``OPENAPI_PATHS``.

Each capability's ``api.py`` describes its endpoints (parameters, bodies, answers) next
to their code, so the description changes with the code; this module only supplies the
shared pieces (the error answer, id and time schemas, the list shape) and puts them
together. Tests validate the document and fuzz the API against it (Schemathesis).
"""

from __future__ import annotations

import re
from importlib import import_module

from flask import Blueprint, jsonify

from engage.api.core import MAX_PER_PAGE, public
from engage.pagination import MAX_PAGE
from engage.validation import DB_INT_MAX

bp = Blueprint("openapi", __name__)

CAPABILITY_MODULES = [
    "engage.auth.api",
    "engage.community.api",
    "engage.ledger.api",
    "engage.notifications.api",
    "engage.orders.api",
    "engage.orders.routing_api",
    "engage.activities.api",
    "marketplace.api",
    "engage.duties.api",
    "engage.rankings.api",
    "engage.units.api",
]

STRING, INTEGER, NUMBER, BOOLEAN = (
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
)
ID = {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX}
TIME = {"type": "string", "format": "date-time"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}
ERROR_TEXTS = {
    400: "invalid_input",
    401: "unauthenticated / invalid_credentials",
    403: "forbidden",
    404: "not_found",
    409: "conflict (see code)",
    429: "rate_limited",
}
PAGE_QUERY = {
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
}


def nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict, *, optional: dict | None = None) -> dict:
    """An object with ``properties`` always present and ``optional`` ones sometimes; extra
    properties are allowed (docs/api.md: clients ignore fields they do not know)."""
    return {"type": "object", "required": list(properties), "properties": {**properties, **(optional or {})}}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def page_of(item: dict) -> dict:
    """The list shape of docs/api.md."""
    return obj(
        {"items": array(item), "page": INTEGER, "per_page": INTEGER, "total": INTEGER, "total_exact": BOOLEAN}
    )


def operation(
    summary: str,
    *,
    tag: str,
    returns: dict,
    body: dict | None = None,
    required: tuple[str, ...] = (),
    query: dict | None = None,
    path: dict | None = None,
    ok: int = 200,
    errors: tuple[int, ...] = (),
    auth: bool = True,
    idempotent: bool = False,
) -> dict:
    """One operation with the contract's common error answers filled in. ``path`` declares
    path parameters that are not ids (every ``{…_id}`` is an id unless declared here)."""
    op: dict = {
        "summary": summary,
        "tags": [tag],
        "responses": {str(ok): {"description": "OK", "content": {"application/json": {"schema": returns}}}},
    }
    statuses = {*((401,) if auth else ()), *errors, *((400,) if body or query or idempotent else ())}
    for status in sorted(statuses):
        op["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
    if not auth:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "required": list(required), "properties": body}
                }
            },
        }
    parameters = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in (query or {}).items()
    ]
    parameters += [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in (path or {}).items()
    ]
    if idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,200}$"},
            }
        )
    if parameters:
        op["parameters"] = parameters
    return op


def _with_path_ids(path: str, op: dict) -> dict:
    """Declares every ``{…}`` of the path the operation did not declare itself as an id, and
    the 404 an unknown id gets."""
    declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
    missing = [name for name in re.findall(r"{(\w+)}", path) if name not in declared]
    if not missing:
        return op
    ids = [{"name": name, "in": "path", "required": True, "schema": ID} for name in missing]
    responses = {**op["responses"], "404": {"$ref": "#/components/responses/E404"}}
    return {**op, "parameters": [*op.get("parameters", []), *ids], "responses": responses}


def document() -> dict:
    paths: dict = {}
    for name in CAPABILITY_MODULES:
        for path, ops in import_module(name).OPENAPI_PATHS.items():
            described = {method: _with_path_ids(path, op) for method, op in ops.items()}
            paths.setdefault(path, {}).update(described)
    responses = {
        f"E{status}": {"description": text, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        for status, text in ERROR_TEXTS.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Engage API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": responses,
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
@public
def openapi_json():
    return jsonify(document())
