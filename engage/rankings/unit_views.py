"""The units' rankings pages: the command centre's (live ranking, weights, publish), the
public one (what was published, no login), and the monthly 三不放过 list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.login import current_scope
from engage.community.models import District
from engage.extensions import db
from engage.forms import posted, run_form
from engage.i18n import local_zone
from engage.periods import chosen_or_this_month, containing
from engage.rankings import unit_rankings
from engage.rankings.forms import UnitPublishForm, UnitWeightsForm
from engage.rankings.models import WEIGHTS
from engage.rankings.three_nots import LAPSES, three_nots
from engage.validation import query_id
from points.base import utcnow

bp = Blueprint("unit_rankings", __name__)


def _kind() -> str:
    """``?kind=``; an unknown one is refused (400) by the service's check."""
    return unit_rankings.ranked_kind(request.args.get("kind", "department"))


def _label() -> str:
    return request.args.get("period") or containing(utcnow(), "month", local_zone()).label


@bp.route("/rankings/units", methods=["GET", "POST"])
@login_required
def manage():
    """The command centre: the live ranking of a kind and period, the weights, publishing."""
    kind, label = _kind(), _label()
    weights = UnitWeightsForm(prefix="weights", data=unit_rankings.district_weights(db.session, current_user))
    publish = UnitPublishForm(prefix="publish")
    if (
        posted(weights)
        and run_form(
            weights,
            lambda: unit_rankings.set_weights(
                db.session, current_user, {name: weights[name].data for name in WEIGHTS}
            ),
        ).ok
    ):
        flash(_("权重已保存。"), "success")
        return redirect(url_for("unit_rankings.manage", kind=kind, period=label))
    if (
        posted(publish)
        and run_form(
            publish,
            lambda: unit_rankings.publish(
                db.session, current_user, kind, label, zone=local_zone(), note=publish.note.data
            ),
        ).ok
    ):
        flash(_("已发布，榜单已冻结。"), "success")
        return redirect(
            url_for("unit_rankings.public", district_id=current_scope().district_id, kind=kind, period=label)
        )
    return render_template(
        "rankings/units_manage.html",
        kind=kind,
        label=label,
        rows=unit_rankings.live(db.session, current_user, kind, label, zone=local_zone()),
        weights=weights,
        publish=publish,
        district_id=current_scope().district_id,
        versions=unit_rankings.versions(db.session, current_scope().district_id, kind, label),
    )


@bp.get("/public/rankings/units/<int:district_id>")
def public(district_id: int):
    """Anyone: the published ranking (latest version unless ``?version=``) of a district's
    departments, streets or communities, by month or quarter; without ``?period=`` the
    period published most recently."""
    district = db.session.get(District, district_id) or abort(404)
    kind = _kind()
    periods = unit_rankings.published_periods(db.session, district_id, kind)
    label = request.args.get("period") or unit_rankings.last_published_period(db.session, district_id, kind)
    version = request.args.get("version", type=query_id)
    ranking = unit_rankings.published(db.session, district_id, kind, label, version) if label else None
    return render_template(
        "rankings/units_public.html",
        district=district,
        kind=kind,
        label=label,
        months=[p for p in periods if "Q" not in p],
        quarters=[p for p in periods if "Q" in p],
        ranking=ranking,
        versions=unit_rankings.versions(db.session, district_id, kind, label) if label else [],
    )


@bp.get("/rankings/units/three-nots")
@login_required
def lapses():
    """三不放过: the month's units that refused, stalled or left residents unsatisfied."""
    period = chosen_or_this_month(request.args.get("period"), local_zone(), kinds=("month",))
    return render_template(
        "rankings/three_nots.html",
        period=period,
        rows=three_nots(db.session, current_user, period),
        lapses=LAPSES,
    )
