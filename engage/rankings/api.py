"""Rankings over JSON (docs/api.md "Rankings")."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engage.api.core import choice_arg, current_actor
from engage.api.openapi import BOOLEAN, ID, INTEGER, NUMBER, STRING, array, nullable, obj, operation
from engage.auth.login import current_scope
from engage.extensions import db
from engage.i18n import local_zone
from engage.periods import parse_label
from engage.privacy import mask_name
from engage.rankings import leaderboards, services, unit_rankings

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


@bp.get("/rankings/units")
def units():
    """The published ranking (latest version) of the caller's district, as the public page
    shows it: never the live figures, so an app and the page agree; ``[]`` until published."""
    kind = choice_arg("kind", unit_rankings.RANKED_KINDS)
    label = request.args.get("period", "")
    unit_rankings.period(label, local_zone())
    district_id = current_scope().district_id
    ranking = unit_rankings.published(db.session, district_id, kind, label) if district_id else None
    return jsonify(
        [
            {
                "rank": e.rank,
                "unit_id": e.unit_id,
                "name": e.name,
                "score": e.score,
                "response_rate": e.response_rate,
                "resolution_rate": e.resolution_rate,
                "satisfaction_rate": e.satisfaction_rate,
                "timeliness_rate": e.timeliness_rate,
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
    "/rankings/units": {
        "get": operation(
            "The published ranking (latest version) of the caller's district's departments, streets or "
            "communities for ?period=YYYY-MM or YYYY-Qn; [] until published; rank and score null: unranked",
            tag="rankings",
            errors=(400,),
            query={
                "kind": {"type": "string", "enum": list(unit_rankings.RANKED_KINDS)},
                "period": {"type": "string", "description": "YYYY-MM or YYYY-Qn"},
            },
            returns=array(
                obj(
                    {
                        "rank": nullable(INTEGER),
                        "unit_id": ID,
                        "name": STRING,
                        "score": nullable(NUMBER),
                        "response_rate": nullable(NUMBER),
                        "resolution_rate": nullable(NUMBER),
                        "satisfaction_rate": nullable(NUMBER),
                        "timeliness_rate": nullable(NUMBER),
                    }
                )
            ),
        )
    },
}
