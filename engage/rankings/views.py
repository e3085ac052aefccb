"""Ranking pages: volunteer leaderboards, staff scoring and publishing, the public red and
yellow lists, and property managers' own results with their answers."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.login import current_scope
from engage.community.models import Street
from engage.community.services import communities_in_scope
from engage.duties import compliance
from engage.exports import xlsx_download
from engage.extensions import db
from engage.forms import posted, run_form
from engage.i18n import local_zone
from engage.periods import chosen_or_this_month, parse_label, quarter_of, recent
from engage.rankings import dashboard, leaderboards, reports, services
from engage.rankings.dashboard import dashboard_rows
from engage.rankings.forms import PublishForm, ResponseForm, ScoreForm, weights_form
from engage.scope import street_community_ids
from engage.validation import query_id
from points.base import utcnow

bp = Blueprint("rankings", __name__)


@bp.get("/rankings/volunteers")
@login_required
def volunteers():
    label, by = request.args.get("period", ""), request.args.get("by", "points")
    scope = "street" if request.args.get("scope") == "street" else "community"
    period = parse_label(label, local_zone()) if label else None
    by = "hours" if by == "hours" else "points"
    return render_template(
        "rankings/volunteers.html",
        rows=leaderboards.leaderboard(db.session, current_user, period=period, by=by, scope=scope),
        label=label,
        by=by,
        scope=scope,
        mine=leaderboards.my_rank(db.session, current_user, period=period, by=by)
        if current_user.has_role("volunteer")
        else None,
        teams=leaderboards.team_board(db.session, current_user, period=period),
    )


def _label() -> str:
    return request.args.get("period") or quarter_of(utcnow(), local_zone())


@bp.route("/rankings/property", methods=["GET", "POST"])
@login_required
def property_admin():
    """Staff score the manual criteria; admins publish (which freezes) the period's ranking."""
    label = _label()
    score_form, publish_form = ScoreForm(prefix="score"), PublishForm(prefix="publish")
    criteria = services.criteria(db.session, current_user)
    weights = weights_form(criteria)
    if (
        posted(score_form)
        and run_form(
            score_form,
            lambda: services.score(
                db.session,
                current_user,
                label,
                score_form.company_id.data,
                score_form.criterion_id.data,
                score_form.score.data,
                score_form.comment.data,
                zone=local_zone(),
            ),
        ).ok
    ):
        flash(_("评分已保存。"), "success")
        return redirect(url_for("rankings.property_admin", period=label))
    if (
        posted(publish_form)
        and run_form(
            publish_form,
            lambda: services.publish(
                db.session,
                current_user,
                label,
                zone=local_zone(),
                note=publish_form.note.data or "",
                rule={
                    "red_top": publish_form.red_top.data,
                    "red_min": publish_form.red_min.data,
                    "yellow_below": publish_form.yellow_below.data,
                    "yellow_last": publish_form.yellow_last.data,
                },
            ),
        ).ok
    ):
        flash(_("已发布，榜单已冻结。"), "success")
        return redirect(url_for("rankings.public", street_id=current_scope().street_id, period=label))
    if (
        posted(weights)
        and run_form(
            weights,
            lambda: services.set_weights(
                db.session, current_user, {c.id: weights[f"weight-{c.id}"].data for c in criteria}
            ),
        ).ok
    ):
        flash(_("权重已保存。"), "success")
        return redirect(url_for("rankings.property_admin", period=label))
    results = services.preview(db.session, current_user, label, zone=local_zone())
    return render_template(
        "rankings/property_admin.html",
        label=label,
        results=results,
        criteria=criteria,
        weights=weights,
        score_form=score_form,
        scorable=services.scorable_company_ids(db.session, current_user),
        publish_form=publish_form,
        published=services.latest(db.session, current_scope().street_id, label),
    )


@bp.get("/public/rankings/<int:street_id>")
def public(street_id: int):
    """Anyone: the published red and yellow lists (latest version), with companies' answers."""
    street = db.session.get(Street, street_id) or abort(404)
    periods = services.published_periods(db.session, street_id)
    label = request.args.get("period") or (periods[0] if periods else "")
    ranking = services.latest(db.session, street_id, label) if label else None
    return render_template(
        "rankings/public.html",
        street=street,
        ranking=ranking,
        periods=periods,
        label=label,
        responses=services.responses(db.session, ranking) if ranking else {},
    )


@bp.route("/rankings/property/mine", methods=["GET", "POST"])
@login_required
def mine():
    form = ResponseForm()
    if run_form(
        form, lambda: services.respond(db.session, current_user, form.entry_id.data, form.text.data)
    ).ok:
        flash(_("回应已发布。"), "success")
        return redirect(url_for("rankings.mine"))
    return render_template(
        "rankings/mine.html", entries=services.my_company_entries(db.session, current_user), form=form
    )


def _dashboard_communities() -> tuple[list[int], str]:
    chosen = request.args.get("community", type=query_id)
    return dashboard.communities(db.session, current_user, chosen), str(chosen or "")


def _dashboard_period():
    return chosen_or_this_month(request.args.get("period"), local_zone())


@bp.get("/dashboard")
@login_required
def dashboard_page():
    ids, chosen = _dashboard_communities()
    period = _dashboard_period()
    board = dashboard.figures(db.session, ids, period)
    trend = dashboard.order_trend(db.session, ids, recent("month", 6, local_zone(), now=utcnow()))
    duty = compliance.figures(
        db.session, current_user, period, stale_days=current_app.config["DUTY_STALE_DAYS"], community_ids=ids
    ).as_json()
    return render_template(
        "rankings/dashboard.html",
        board=board,
        period=period,
        trend=trend,
        duty=duty,
        communities=communities_in_scope(db.session, current_user),
        chosen=chosen,
    )


@bp.get("/dashboard.xlsx")
@login_required
def dashboard_export():
    ids, _chosen = _dashboard_communities()
    period = _dashboard_period()
    return xlsx_download(
        f"dashboard-{period.label}.xlsx",
        period.label,
        ("指标", "数值"),
        dashboard_rows(dashboard.figures(db.session, ids, period)),
    )


@bp.get("/public/figures/<int:street_id>")
def transparency(street_id: int):
    """Anyone: the street's aggregate figures for a month, no names."""
    street = db.session.get(Street, street_id) or abort(404)
    period = _dashboard_period()
    return render_template(
        "rankings/transparency.html",
        street=street,
        period=period,
        board=dashboard.figures(db.session, street_community_ids(db.session, street_id), period),
    )


@bp.get("/reports")
@login_required
def report_list():
    return render_template("rankings/reports.html", rows=reports.street_reports(db.session, current_user))


@bp.get("/reports/<int:report_id>")
@login_required
def report(report_id: int):
    return render_template(
        "rankings/report.html", report=reports.get_report(db.session, current_user, report_id)
    )


@bp.get("/reports/<int:report_id>.xlsx")
@login_required
def report_export(report_id: int):
    found = reports.get_report(db.session, current_user, report_id)
    return xlsx_download(f"report-{found.label}.xlsx", found.label, ("指标", "数值"), found.rows)
