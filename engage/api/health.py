"""Liveness and database reachability for load balancers and monitoring."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from engage.extensions import db
from engage.persistence import reading

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with reading(db.session):  # a health check must not queue behind writers
            db.session.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "db": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "error", "db": "unreachable"}), 503
