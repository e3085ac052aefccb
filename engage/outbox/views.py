"""The outbox as admins see it (messages to their people, failed first, each with its
attempts) and the profile page's section where everyone chooses what reaches them how."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.extensions import db
from engage.forms import run_form
from engage.i18n import local_zone
from engage.outbox import services
from engage.outbox.forms import preference_form
from engage.outbox.models import STATUSES
from engage.outbox.preferences import Rules, update_preferences
from engage.pagination import paginate

bp = Blueprint("outbox", __name__)
PER_PAGE = 50


@bp.get("/outbox")
@login_required
def index():
    status = request.args.get("status", "failed")
    status = status if status in STATUSES else None
    result = paginate(
        db.session,
        services.messages_in_scope(db.session, current_user, status=status),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return render_template("outbox/index.html", result=result, status=status)


@bp.get("/outbox/<int:message_id>")
@login_required
def detail(message_id: int):
    message = services.get_message(db.session, current_user, message_id)
    return render_template("outbox/detail.html", message=message)


def rules() -> Rules:
    return Rules.from_config(current_app.config, local_zone())


@bp.post("/profile/notifications")
@login_required
def preferences():
    form = preference_form(None, rules(), posted=True)
    outcome = run_form(
        form,
        lambda: update_preferences(
            db.session,
            current_user,
            channels=form.channels(),
            quiet_hours=form.quiet_hours.data,
            quiet_start=form.quiet_start.data,
            quiet_end=form.quiet_end.data,
            digest=form.digest.data,
        ),
    )
    if outcome.ok:
        flash(_("通知设置已保存。"), "success")
    else:
        flash(_("通知设置未保存，请检查后重试。"), "error")
    return redirect(url_for("auth.profile") + "#notifications")
