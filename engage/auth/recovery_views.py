"""Pages for getting into an account without its password (``engage.auth.recovery``): sign-in
and password reset by SMS code, staff resetting a password, and the new password an account
must choose after that. Thin adapters: the rules are the services'."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from engage.auth import recovery, services, signin
from engage.auth.forms import CodeLoginForm, CodeResetForm, NewPasswordForm, StaffResetForm
from engage.auth.views import safe_next, start_session
from engage.errors import DomainError
from engage.extensions import db
from engage.forms import apply_errors, require_valid, run_form
from engage.unit_of_work import commit_answer
from engage.verification.services import CodeRules

bp = Blueprint("recovery", __name__)


def _rules() -> CodeRules:
    return CodeRules.from_config(current_app.config)


def _send_code(form: CodeLoginForm, purpose: str, template: str):
    """The "get a code" button: the same answer whether or not the phone has an account."""
    try:
        recovery.send_account_code(
            db.session, _rules(), purpose=purpose, phone=form.phone.data, ip=request.remote_addr
        )
    except DomainError as error:
        db.session.rollback()
        apply_errors(form, error)
        return render_template(template, form=form), error.status
    flash(_("如该手机号已注册，验证码已发出，10分钟内有效。"), "info")
    return render_template(template, form=form, code_sent=True)


def _without_code(form: CodeLoginForm, template: str):
    """Signing in or resetting with no code typed: asked for, and no try spent."""
    form.code.errors = [_("请输入短信验证码。")]
    return render_template(template, form=form, code_sent=True), 400


def _wrong_code(form: CodeLoginForm, template: str, event: str):
    """A wrong, used or expired code: its try stays counted (the answer commits)."""
    commit_answer(db.session)
    signin.record_failure(event, form.phone.data or "")
    form.code.errors = [_("验证码错误或已失效，请重新获取。")]
    return render_template(template, form=form, code_sent=True), 400


@bp.route("/login/sms", methods=["GET", "POST"])
def sms_login():
    form = CodeLoginForm()
    template = "auth/sms_login.html"
    if not form.validate_on_submit():
        return render_template(template, form=form)
    if form.send.data:
        return _send_code(form, "login", template)
    if not form.code.data:
        return _without_code(form, template)
    try:
        user = recovery.sign_in_by_code(db.session, _rules(), phone=form.phone.data, code=form.code.data)
    except DomainError as error:
        apply_errors(form, error)
        return render_template(template, form=form), error.status
    if user is None:
        return _wrong_code(form, template, "login_sms_failed")
    start_session(user, "login_sms")
    login_user(user)
    return redirect(safe_next(url_for("home.index")))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = CodeResetForm()
    template = "auth/forgot_password.html"
    if not form.validate_on_submit():
        return render_template(template, form=form)
    if form.send.data:
        return _send_code(form, "reset", template)
    if not form.code.data:
        return _without_code(form, template)
    outcome = run_form(
        form,
        lambda: recovery.reset_password_by_code(
            db.session, _rules(), phone=form.phone.data, code=form.code.data, password=form.password.data
        ),
    )
    if not outcome.ok:
        return render_template(template, form=form, code_sent=True), 400
    if outcome.value is None:
        return _wrong_code(form, template, "password_reset_failed")
    signin.record(outcome.value, "password_reset_sms")
    flash(_("密码已重置，所有设备上的登录已退出，请用新密码登录。"), "success")
    return redirect(url_for("auth.login"))


@bp.post("/users/<int:user_id>/password")
@login_required
def staff_reset(user_id: int):
    form = StaffResetForm()
    require_valid(form)
    reset = recovery.reset_password_by_staff(
        db.session, current_user, user_id, by_sms=form.deliver.data == "sms"
    )
    signin.record(current_user, "password_reset_by_staff", detail=f"user {reset.user.id}")
    response = make_response(render_template("auth/temporary_password.html", reset=reset))
    response.headers["Cache-Control"] = "no-store"  # the one-time password is shown once
    return response


@bp.route("/password/new", methods=["GET", "POST"])
@login_required
def new_password():
    if not current_user.must_change_password:
        return redirect(url_for("auth.profile"))
    form = NewPasswordForm()
    if run_form(form, lambda: services.choose_new_password(db.session, current_user, new=form.new.data)).ok:
        signin.record(current_user, "password_changed")
        flash(_("新密码已设置。"), "success")
        return redirect(url_for("home.index"))
    return render_template("auth/new_password.html", form=form)
