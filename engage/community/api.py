"""The hierarchy over JSON, for staff tools: the same scoped services as the pages."""

from __future__ import annotations

from flask import Blueprint, jsonify

from engage.api.core import current_actor, paginated
from engage.api.openapi import ID, PAGE_QUERY, obj, operation, page_of
from engage.community import services
from engage.errors import NotFound
from engage.extensions import db
from engage.privacy import mask_name, mask_phone

bp = Blueprint("community_api", __name__)

PERSONAL_MASKS = {
    "head_name": mask_name,
    "phone": mask_phone,
    "contact_name": mask_name,
    "contact_phone": mask_phone,
    "leader_name": mask_name,
}
API_LEVELS = {"communities", "grids", "micro-grids", "households", "compounds", "property-companies"}


def _level(name: str) -> str:
    if name not in API_LEVELS:
        raise NotFound()
    return name.replace("-", "_")


def row_json(row, level: str, *, masked: bool) -> dict:
    fields = ("id", "community_id", "street_id", *services.LEVELS[level].fields)
    data = {f: getattr(row, f) for f in dict.fromkeys(fields) if hasattr(row, f)}
    if masked:
        data.update({f: mask(data[f]) for f, mask in PERSONAL_MASKS.items() if data.get(f)})
    return data


@bp.get("/hierarchy/<level>")
def list_level(level: str):
    name = _level(level)
    stmt = services.scoped_query(db.session, current_actor(), name)
    return jsonify(paginated(stmt, lambda row: row_json(row, name, masked=True)))


@bp.get("/hierarchy/<level>/<int:row_id>")
def get_one(level: str, row_id: int):
    name = _level(level)
    row = services.get_row(db.session, current_actor(), name, row_id)
    return jsonify(row_json(row, name, masked=False))


_LEVEL = {"level": {"type": "string", "enum": sorted(API_LEVELS)}}
_ROW = obj({"id": ID})
OPENAPI_PATHS = {
    "/hierarchy/{level}": {
        "get": operation(
            "Rows of one hierarchy level in the caller's scope, personal fields masked",
            tag="community",
            path=_LEVEL,
            query=PAGE_QUERY,
            returns=page_of(_ROW),
            errors=(403, 404),
        )
    },
    "/hierarchy/{level}/{row_id}": {
        "get": operation(
            "One row, unmasked; reading a household is written to the access log",
            tag="community",
            path=_LEVEL,
            returns=_ROW,
            errors=(403, 404),
        )
    },
}
