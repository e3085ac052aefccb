"""Generic filters, and the names every template may use: each feature's display labels
live in its own ``labels`` module (listed in ``LABELS``) and are registered here."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_babel import get_locale

from engage.activities import labels as activity_labels
from engage.auth import labels as auth_labels
from engage.community import labels as community_labels
from engage.duties import labels as duty_labels
from engage.ledger import labels as ledger_labels
from engage.orders import labels as order_labels
from engage.orders.queries import deadline, is_overdue
from engage.outbox import labels as outbox_labels
from engage.privacy import mask_id_number, mask_name, mask_phone
from engage.rankings import labels as ranking_labels
from engage.units import labels as unit_labels
from engage.volunteers import labels as volunteer_labels
from marketplace import labels as mall_labels

LABELS = (
    auth_labels,
    community_labels,
    ledger_labels,
    order_labels,
    activity_labels,
    volunteer_labels,
    mall_labels,
    duty_labels,
    ranking_labels,
    unit_labels,
    outbox_labels,
)


def last_moment(end):
    """An exclusive period end shown as the last moment inside it: due "by 10-18", not "10-19 00:00"."""
    return end - timedelta(seconds=1)


def hours(minutes: int | None) -> str:
    """Service time as hours with up to two decimals: 90 → 1.5."""
    return f"{(minutes or 0) / 60:.2f}".rstrip("0").rstrip(".")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        mask_name=mask_name,
        mask_phone=mask_phone,
        mask_id_number=mask_id_number,
        hours=hours,
        last_moment=last_moment,
    )
    labels = {name: getattr(module, name) for module in LABELS for name in module.__all__}

    @app.context_processor
    def names():
        from flask_login import current_user

        from engage.auth.forms import EmptyForm, LanguageForm
        from engage.extensions import db
        from engage.notifications.services import unread_count

        return {
            **labels,
            "get_locale": get_locale,
            "deadline": deadline,
            "is_overdue": is_overdue,
            # Page-wide forms never read the submitted body: it may be the one refused (413).
            "language_form": LanguageForm(formdata=None, next=request.full_path.rstrip("?")),
            "unread_notifications": unread_count(db.session, current_user)
            if current_user.is_authenticated
            else 0,
            "empty_form": EmptyForm(formdata=None),
        }
