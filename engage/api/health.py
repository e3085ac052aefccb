"""Liveness and database reachability for load balancers and monitoring."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from engage.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))  # a GET: a read transaction (engage.unit_of_work)
        return jsonify({"status": "ok", "db": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "error", "db": "unreachable"}), 503
