"""Units over JSON (docs/api.md "Routing to units"): the same scoped service as the pages."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify

from engage.api.core import choice_arg, current_actor
from engage.api.openapi import ID, STRING, array, nullable, obj, operation
from engage.extensions import db
from engage.units import services
from engage.units.models import UNIT_KINDS

bp = Blueprint("units_api", __name__)


@bp.get("/units")
def units():
    """Every kind when ``kind`` is absent."""
    kind = choice_arg("kind", ("", *UNIT_KINDS)) or None
    return jsonify([asdict(unit) for unit in services.routable_units(db.session, current_actor(), kind)])


_UNIT = obj(
    {
        "id": ID,
        "kind": {"type": "string", "enum": list(UNIT_KINDS)},
        "name": STRING,
        "parent_id": nullable(ID),
    }
)
OPENAPI_PATHS = {
    "/units": {
        "get": operation(
            "Units the caller may route a request to: a district's command centre, a street admin "
            "or community staff each reach their own area and the district's active departments",
            tag="units",
            query={"kind": {"type": "string", "enum": list(UNIT_KINDS)}},
            returns=array(_UNIT),
            errors=(403,),
        )
    }
}
