"""The in-app channel over JSON (docs/api.md "Health and identity": ``/me/notifications``)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from engage.api.core import current_actor, paginated
from engage.api.openapi import BOOLEAN, ID, PAGE_QUERY, STRING, TIME, obj, operation, page_of
from engage.notifications import services
from engage.notifications.models import Notification

bp = Blueprint("notifications_api", __name__)


def notification_json(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": notification.message,
        "read": notification.read_at is not None,
        "created_at": notification.created_at.isoformat(),
    }


@bp.get("/me/notifications")
def my_notifications():
    return jsonify(paginated(services.notifications_of(current_actor()), notification_json))


OPENAPI_PATHS = {
    "/me/notifications": {
        "get": operation(
            "The caller's in-app notifications, newest first",
            tag="notifications",
            query=PAGE_QUERY,
            returns=page_of(
                obj({"id": ID, "kind": STRING, "text": STRING, "read": BOOLEAN, "created_at": TIME})
            ),
        )
    }
}
