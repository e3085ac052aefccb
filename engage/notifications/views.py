"""The in-app notification list; opening it marks everything read."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from engage.extensions import db
from engage.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    result = services.my_notifications(db.session, current_user, page=request.args.get("page", 1, type=int))
    unread = {n.id for n in result.items if n.read_at is None}
    return render_template("notifications/index.html", result=result, unread=unread)


@bp.post("/notifications/read")
@login_required
def mark_read():
    services.mark_all_read(db.session, current_user)
    return index()
