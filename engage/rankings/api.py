"""Rankings over JSON (docs/api.md "Rankings")."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engage.api.core import choice_arg, current_actor
from engage.api.openapi import BOOLEAN, ID, INTEGER, NUMBER, STRING, array, obj, operation
from engage.auth.login import current_scope
from engage.extensions import db
from engage.i18n import local_zone
from engage.periods import parse_label
from engage.privacy import mask_name
from engage.rankings import leaderboards, services

bp = Blueprint("rankings_api", __name__)


@bp.get("/rankings/volunteers")
def volunteers():
    label = request.args.get("period")
    period = parse_label(label, local_zone()) if label else None
    rows = leaderboards.leaderboard(
        db.session, current_actor(), period=period, by=choice_arg("by", ("points", "hours"))
    )
    return jsonify(
        [
            {
                "rank": r.rank,
                "user_id": r.user.id,
                "display_name": mask_name(r.user.display_name),
                "points": r.points,
                "hours": round(r.minutes / 60, 2),
            }
            for r in rows
        ]
    )


@bp.get("/rankings/property-companies")
def property_companies():
    label = request.args.get("period", "")
    services.period(label, local_zone())
    ranking = services.latest(db.session, current_scope().street_id or 0, label)
    return jsonify(
        [
            {
                "rank": e.rank,
                "company_id": e.company_id,
                "name": e.name,
                "score": e.score,
                "list": e.list,
                "gold": e.gold,
            }
            for e in (ranking.entries if ranking else [])
        ]
    )


_PERIOD = {"type": "string", "description": "YYYY-MM, YYYY-Qn or YYYY"}
OPENAPI_PATHS = {
    "/rankings/volunteers": {
        "get": operation(
            "The caller's community's volunteers by points earned (or ?by=hours) for a period or all time",
            tag="rankings",
            errors=(403,),
            query={"period": _PERIOD, "by": {"type": "string", "enum": ["points", "hours"]}},
            returns=array(
                obj(
                    {
                        "rank": INTEGER,
                        "user_id": ID,
                        "display_name": STRING,
                        "points": INTEGER,
                        "hours": NUMBER,
                    }
                )
            ),
        )
    },
    "/rankings/property-companies": {
        "get": operation(
            "The published ranking (latest version) of the caller's street for ?period=YYYY-Qn or YYYY-MM",
            tag="rankings",
            query={"period": _PERIOD},
            returns=array(
                obj(
                    {
                        "rank": INTEGER,
                        "company_id": ID,
                        "name": STRING,
                        "score": NUMBER,
                        "list": {"type": ["string", "null"], "enum": ["red", "yellow", None]},
                        "gold": BOOLEAN,
                    }
                )
            ),
        )
    },
}
