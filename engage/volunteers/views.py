"""Volunteer profile, teams, service-hours certificates and their public verification."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.permissions import STAFF_ROLES
from engage.extensions import db
from engage.forms import run_form
from engage.i18n import local_zone
from engage.qr import qr_svg
from engage.rankings.leaderboards import my_rank
from engage.volunteers import services
from engage.volunteers.forms import ProfileForm, TeamForm

bp = Blueprint("volunteers", __name__)


def _view(volunteer_id: int) -> services.VolunteerView:
    return services.volunteer_view(
        db.session,
        current_user,
        volunteer_id,
        zone=local_zone(),
        star_hours=current_app.config["STAR_LEVEL_HOURS"],
    )


@bp.route("/volunteer", methods=["GET", "POST"])
@login_required
def me():
    """The volunteer's own profile: hours, star level, teams, points, ratings, and details."""
    view = _view(current_user.id)
    form = ProfileForm(
        volunteer_group=view.profile.volunteer_group,
        skills=current_user.skills or "",
        availability=view.profile.availability,
    )
    outcome = run_form(
        form,
        lambda: services.update_volunteer_profile(
            db.session,
            current_user,
            volunteer_group=form.volunteer_group.data,
            availability=form.availability.data,
            skills=form.skills.data,
            id_number=form.id_number.data,
            key=current_app.config["DATA_ENCRYPTION_KEY"],
        ),
    )
    if outcome.ok:
        flash(_("资料已保存。"), "success")
        return redirect(url_for("volunteers.me"))
    form.id_number.data = ""
    return render_template(
        "volunteers/profile.html",
        view=view,
        form=form,
        own=True,
        rank=my_rank(db.session, current_user, period=None),
    )


@bp.get("/volunteers/<int:volunteer_id>")
@login_required
def profile(volunteer_id: int):
    return render_template(
        "volunteers/profile.html", view=_view(volunteer_id), form=None, own=volunteer_id == current_user.id
    )


@bp.post("/volunteer/certificates")
@login_required
def issue_certificate():
    certificate = services.issue_certificate(db.session, current_user, zone=local_zone())
    return redirect(url_for("volunteers.certificate", serial=certificate.serial))


@bp.get("/certificates/<serial>")
@login_required
def certificate(serial: str):
    """The printable 志愿服务记录证明, with the QR code that verifies it."""
    found = services.get_certificate(db.session, current_user, serial)
    link = url_for(
        "volunteers.verify",
        code=services.certificate_code(found, current_app.config["SECRET_KEY"]),
        _external=True,
    )
    return render_template(
        "volunteers/certificate.html",
        certificate=found,
        content=services.certificate_content(found),
        qr=qr_svg(link),
        link=link,
    )


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: anyone scanning the certificate sees what was certified, names masked."""
    found = services.verify_certificate(db.session, code, current_app.config["SECRET_KEY"])
    return render_template(
        "volunteers/verify.html", certificate=found, content=services.certificate_content(found)
    )


@bp.route("/teams", methods=["GET", "POST"])
@login_required
def teams():
    form = TeamForm()
    if current_user.has_role(*STAFF_ROLES):
        outcome = run_form(
            form,
            lambda: services.create_team(
                db.session, current_user, name=form.name.data, description=form.description.data
            ),
        )
        if outcome.ok:
            flash(_("队伍已创建。"), "success")
            return redirect(url_for("volunteers.team", team_id=outcome.value.id))
    mine = {team.id for team in services.my_teams(db.session, current_user)}
    return render_template(
        "volunteers/teams.html",
        rows=services.community_teams(db.session, current_user),
        mine=mine,
        form=form,
        staff=current_user.has_role(*STAFF_ROLES),
    )


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    return render_template(
        "volunteers/team.html",
        team=services.get_team(db.session, current_user, team_id),
        members=services.team_members(db.session, current_user, team_id),
        member=any(t.id == team_id for t in services.my_teams(db.session, current_user)),
        staff=current_user.has_role(*STAFF_ROLES),
    )


@bp.post("/teams/<int:team_id>/join")
@login_required
def join(team_id: int):
    services.join_team(db.session, current_user, team_id)
    flash(_("已加入队伍。"), "success")
    return redirect(url_for("volunteers.team", team_id=team_id))


@bp.post("/teams/<int:team_id>/leave")
@login_required
def leave(team_id: int):
    services.leave_team(db.session, current_user, team_id)
    flash(_("已退出队伍。"), "success")
    return redirect(url_for("volunteers.team", team_id=team_id))
