"""The home page: what each role needs first, on one screen."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from engage.extensions import db
from engage.home.services import home_sections

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    if current_user.roles == ["kiosk"]:
        return redirect(url_for("kiosk.attract"))
    return render_template("home/index.html", sections=home_sections(db.session, current_user))
