"""The in-app notification list; opening it marks everything read. Each notification's
link is built here, from the route and arguments its service stored."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from engage.extensions import db
from engage.notifications import services
from engage.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    result = services.my_notifications(db.session, current_user, page=request.args.get("page", 1, type=int))
    unread = {n.id for n in result.items if n.read_at is None}
    links = {n.id: _url(n) for n in result.items}
    return render_template("notifications/index.html", result=result, unread=unread, links=links)


def _url(notification: Notification) -> str | None:
    """The page the notification points at; a route that no longer exists links nowhere."""
    if not notification.route:
        return None
    try:
        return url_for(notification.route, **(notification.route_args or {}))
    except BuildError:
        return None


@bp.post("/notifications/read")
@login_required
def mark_read():
    services.mark_all_read(db.session, current_user)
    return index()
