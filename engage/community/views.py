"""Staff pages for the hierarchy, micro-grid QR posters and the poster's landing page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.community import services
from engage.community.forms import FORMS, build_form, form_values
from engage.extensions import db
from engage.forms import run_form
from engage.qr import qr_svg

bp = Blueprint("community", __name__, url_prefix="/community")
PER_PAGE = 50
# The hierarchy's levels as a path segment: any other word matches no route (404).
LEVEL = f"<any({', '.join(FORMS)}):level>"


@bp.get(f"/{LEVEL}/")
@login_required
def list_level(level: str):
    page = request.args.get("page", 1, type=int)
    result = services.page_rows(db.session, current_user, level, page=page, per_page=PER_PAGE)
    return render_template(
        "community/list.html",
        level=level,
        result=result,
        editable=not services.LEVELS[level].admin_only or current_user.has_role("admin"),
    )


@bp.route(f"/{LEVEL}/new", methods=["GET", "POST"])
@bp.route(f"/{LEVEL}/<int:row_id>", methods=["GET", "POST"])
@login_required
def edit(level: str, row_id: int | None = None):
    row = services.get_row(db.session, current_user, level, row_id) if row_id else None
    form = build_form(db.session, current_user, level, obj=row)
    if run_form(
        form, lambda: services.save_row(db.session, current_user, level, form_values(form), row_id)
    ).ok:
        flash(_("已保存。"), "success")
        return redirect(url_for("community.list_level", level=level))
    return render_template("community/edit.html", level=level, form=form, row=row)


@bp.get("/micro_grids/<int:row_id>/poster")
@login_required
def poster(row_id: int):
    micro_grid = services.micro_grid_for_poster(db.session, current_user, row_id)
    token = services.poster_token(current_app.config["SECRET_KEY"], micro_grid)
    url = url_for("community.scan", token=token, _external=True)
    return render_template("community/poster.html", micro_grid=micro_grid, url=url, qr=qr_svg(url))


@bp.get("/m/<token>")
def scan(token: str):
    """Where a scanned poster lands: the micro-grid, its grid worker, and what to do next."""
    micro_grid = services.micro_grid_from_poster(db.session, current_app.config["SECRET_KEY"], token)
    return render_template("community/scan.html", micro_grid=micro_grid, token=token)
