"""The OpenAPI 3 document, assembled from each capability's ``OPENAPI_PATHS``.

Each capability's ``api.py`` describes its own endpoints next to their code; a test
checks that every route under /api/v1 is described here.
"""
from __future__ import annotations

from importlib import import_module

from flask import Blueprint, jsonify

from engage.api.core import public

bp = Blueprint("openapi", __name__)

CAPABILITY_MODULES = ["engage.auth.api", "engage.community.api", "engage.ledger.api",
                      "engage.orders.api", "engage.activities.api", "marketplace.api",
                      "engage.duties.api", "engage.rankings.api"]

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
}


def operation(summary: str, *, tag: str, body: dict | None = None, ok: int = 200,
              errors: tuple[int, ...] = (), auth: bool = True, idempotent: bool = False) -> dict:
    """One operation with the contract's common error answers filled in."""
    op: dict = {"summary": summary, "tags": [tag],
                "responses": {str(ok): {"description": "OK", "content": {"application/json": {}}}}}
    for status in (*((401,) if auth else ()), *errors):
        op["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
    if not auth:
        op["security"] = []
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": body}}}}
    if idempotent:
        op["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": True,
                             "schema": {"type": "string", "minLength": 1, "maxLength": 200}}]
    return op


def document() -> dict:
    paths: dict = {}
    for name in CAPABILITY_MODULES:
        for path, ops in import_module(name).OPENAPI_PATHS.items():
            paths.setdefault(path, {}).update(ops)
    responses = {f"E{status}": {"description": text, "content": {"application/json": {
        "schema": ERROR_SCHEMA}}} for status, text in (
        (400, "invalid_input"), (401, "unauthenticated / invalid_credentials"), (403, "forbidden"),
        (404, "not_found"), (409, "conflict (see code)"), (429, "rate_limited"))}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Engage API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "responses": responses},
        "paths": paths,
    }


@bp.get("/openapi.json")
@public
def openapi_json():
    return jsonify(document())
