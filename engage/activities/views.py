"""Activity pages: volunteers enrol and attend by phone, staff post, run and correct."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.activities import attendance, services
from engage.activities.forms import ActivityForm, AttendForm, CorrectionForm, NewActivityForm
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.extensions import db
from engage.forms import ReasonForm, flash_errors, options, run_form
from engage.i18n import from_local, to_local
from engage.pagination import paginate
from engage.qr import qr_svg
from engage.templating import hours
from engage.volunteers.services import community_teams

bp = Blueprint("activities", __name__)


def _prepare(form: ActivityForm) -> ActivityForm:
    form.team_id.choices = options(
        [(0, _("不限"))]
        + [(team.id, team.name) for team, _count in community_teams(db.session, current_user)]
    )
    return form


def _fields(form: ActivityForm) -> dict:
    return dict(
        title=form.title.data,
        kind=form.kind.data,
        location=form.location.data,
        starts_at=from_local(form.starts_at.data),
        ends_at=from_local(form.ends_at.data),
        capacity=form.capacity.data,
        points_per_hour=form.points_per_hour.data or 0,
        skills=form.skills.data or "",
        team_id=form.team_id.data or None,
        description=form.description.data or "",
    )


@bp.get("/activities")
@login_required
def index():
    result = paginate(
        db.session,
        services.upcoming(db.session, current_user),
        page=request.args.get("page", 1, type=int),
        per_page=20,
    )
    mine = services.my_enrollments(db.session, current_user, [a.id for a in result.items])
    return render_template(
        "activities/index.html", result=result, mine=mine, staff=current_user.has_role(*STAFF_ROLES)
    )


@bp.get("/activities/mine")
@login_required
def mine():
    result = paginate(
        db.session,
        services.my_activities(db.session, current_user),
        page=request.args.get("page", 1, type=int),
        per_page=20,
    )
    return render_template("activities/mine.html", result=result)


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, *STAFF_ROLES)
    form = _prepare(NewActivityForm())
    outcome = run_form(
        form,
        lambda: services.create_activity(
            db.session,
            current_user,
            waitlist=form.waitlist.data,
            repeat_weeks=form.repeat_weeks.data or 0,
            **_fields(form),
        ),
    )
    if outcome.ok:
        flash(_("活动已发布。"), "success")
        return redirect(url_for("activities.detail", activity_id=outcome.value.id))
    return render_template("activities/form.html", form=form, activity=None)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    require_role(current_user, *STAFF_ROLES)
    activity = services.get_activity(db.session, current_user, activity_id)
    form = _prepare(ActivityForm(obj=activity))
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(activity.starts_at), to_local(activity.ends_at)
        form.team_id.data = activity.team_id or 0
    outcome = run_form(
        form, lambda: services.update_activity(db.session, current_user, activity_id, **_fields(form))
    )
    if outcome.ok:
        flash(_("活动已更新，已通知报名的志愿者。"), "success")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    return render_template("activities/form.html", form=form, activity=activity)


@bp.get("/activities/<int:activity_id>")
@login_required
def detail(activity_id: int):
    activity = services.get_activity(db.session, current_user, activity_id)
    return render_template(
        "activities/detail.html",
        activity=activity,
        enrollment=services.my_enrollment(db.session, current_user, activity_id),
        staff=current_user.has_role(*STAFF_ROLES),
        cancel_form=ReasonForm(),
        attend_form=AttendForm(),
        open=services.is_open(activity),
    )


def _done(activity_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/enroll")
@login_required
def enroll(activity_id: int):
    enrollment = services.enroll(db.session, current_user, activity_id)
    return _done(
        activity_id,
        _("报名成功。")
        if enrollment.status == "enrolled"
        else _("名额已满，您已进入候补名单，有人退出时将自动递补。"),
    )


@bp.post("/activities/<int:activity_id>/withdraw")
@login_required
def withdraw(activity_id: int):
    services.withdraw(db.session, current_user, activity_id)
    return _done(activity_id, _("已退出该活动。"))


@bp.post("/activities/<int:activity_id>/cancel")
@login_required
def cancel(activity_id: int):
    form = ReasonForm()
    if run_form(
        form, lambda: services.cancel_activity(db.session, current_user, activity_id, form.reason.data)
    ).ok:
        return _done(activity_id, _("活动已取消，已通知报名的志愿者。"))
    flash(_("请填写取消原因。"), "error")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.route("/activities/<int:activity_id>/attend", methods=["GET", "POST"])
@login_required
def attend(activity_id: int):
    """Where the QR code on the staff screen leads: one tap checks in, a later scan out."""
    activity = services.get_activity(db.session, current_user, activity_id)
    enrollment = services.my_enrollment(db.session, current_user, activity_id)
    form = AttendForm(token=request.args.get("t", ""))
    outcome = run_form(
        form,
        lambda: attendance.attend(
            db.session,
            current_user,
            activity_id,
            form.token.data.strip(),
            current_app.config["SECRET_KEY"],
            max_hours=current_app.config["ACTIVITY_MAX_HOURS"],
        ),
    )
    if outcome.ok:
        done = outcome.value
        return _done(
            activity_id,
            _(
                "签退成功：服务 %(hours)s 小时，获得 %(points)d 积分。",
                hours=hours(done.minutes),
                points=done.points_awarded or 0,
            )
            if done.checked_out_at
            else _("签到成功。"),
        )
    return render_template(
        "activities/attend.html",
        activity=activity,
        enrollment=enrollment,
        form=form,
        checking_out=bool(enrollment and enrollment.checked_in_at),
    )


def _code_payload(activity_id: int) -> dict:
    token, expires_at = attendance.checkin_code(
        db.session, current_user, activity_id, current_app.config["SECRET_KEY"]
    )
    link = url_for("activities.attend", activity_id=activity_id, t=token, _external=True)
    return {"token": token, "url": link, "svg": str(qr_svg(link)), "expires_at": expires_at.isoformat()}


@bp.get("/activities/<int:activity_id>/screen")
@login_required
def screen(activity_id: int):
    """The full-screen rotating QR code staff put up on site."""
    code = _code_payload(activity_id)
    return render_template(
        "activities/screen.html",
        code=code,
        activity=services.get_activity(db.session, current_user, activity_id),
    )


@bp.get("/activities/<int:activity_id>/screen/code")
@login_required
def screen_code(activity_id: int):
    return jsonify(_code_payload(activity_id))


@bp.get("/activities/<int:activity_id>/roster")
@login_required
def roster(activity_id: int):
    activity, rows = services.roster(db.session, current_user, activity_id)
    return render_template(
        "activities/roster.html",
        activity=activity,
        rows=rows,
        corrections=attendance.corrections(db.session, current_user, activity_id),
        form=CorrectionForm(),
        local=to_local,
    )


@bp.post("/activities/<int:activity_id>/roster/correct")
@login_required
def correct(activity_id: int):
    form = CorrectionForm()
    outcome = run_form(
        form,
        lambda: attendance.correct_attendance(
            db.session,
            current_user,
            form.enrollment_id.data,
            checked_in_at=from_local(form.checked_in_at.data),
            checked_out_at=from_local(form.checked_out_at.data),
            reason=form.reason.data,
            max_hours=current_app.config["ACTIVITY_MAX_HOURS"],
        ),
    )
    if outcome.ok:
        flash(_("考勤已更正。"), "success")
    else:
        flash_errors(form)
    return redirect(url_for("activities.roster", activity_id=activity_id))
