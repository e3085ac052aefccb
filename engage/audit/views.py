"""Admins read the security and privacy records."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from engage.audit.services import recent_access, recent_auth_events
from engage.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@login_required
def index():
    return render_template(
        "audit/index.html",
        events=recent_auth_events(db.session, current_user),
        reads=recent_access(db.session, current_user),
    )
