"""Login, logout, registration, profile and language: thin adapters over services."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from engage.auth import services, signin
from engage.auth.forms import ActiveForm, LanguageForm, LoginForm, PasswordForm, ProfileForm, RegisterForm
from engage.auth.permissions import rank
from engage.community.services import public_communities, public_micro_grids
from engage.errors import DomainError
from engage.extensions import db
from engage.forms import options, require_valid, run_form
from engage.home.services import account_summary
from engage.i18n import local_zone
from engage.outbox.forms import preference_form
from engage.outbox.preferences import Rules, preference_of
from engage.security import is_local_path

bp = Blueprint("auth", __name__)
USERS_PER_PAGE = 50


def start_session(user, event: str = "login") -> None:
    """A new session at login: old session data is dropped, a fresh token issued; ``event``
    names the way in for the audit trail."""
    session.clear()
    services.open_session(
        db.session,
        user,
        kind="web",
        lifetime=current_app.permanent_session_lifetime,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
    )
    signin.record(user, event)


def safe_next(default: str, target: str | None = None) -> str:
    """Only local paths: a crafted ``next`` must not send users to another site."""
    target = target if target is not None else request.args.get("next", "")
    return target if is_local_path(target) else default


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = signin.check_credentials(form.username.data, form.password.data)
        except DomainError as error:
            flash(error.message, "error")
            return render_template("auth/login.html", form=form), error.status
        start_session(user)
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(url_for("home.index")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.revoke_session(db.session, current_user.login_token)
    signin.record(current_user, "logout")
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


def _register_choices(form: RegisterForm) -> None:
    communities = public_communities(db.session)
    form.community_id.choices = options((c.id, f"{c.street.name} · {c.name}") for c in communities)
    form.micro_grid_id.choices = [SelectChoice(0, _("暂不选择"))] + [
        SelectChoice(m.id, f"{c.name} · {m.name}", render_kw={"data-community": c.id})
        for c in communities
        for m in public_micro_grids(db.session, c.id)
    ]


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    _register_choices(form)
    outcome = run_form(
        form,
        lambda: services.register_user(
            db.session,
            phone=form.phone.data,
            password=form.password.data,
            display_name=form.display_name.data,
            role=form.role.data,
            community_id=form.community_id.data,
            micro_grid_id=form.micro_grid_id.data or None,
        ),
    )
    if outcome.ok:
        signin.record(outcome.value, "registered")
        start_session(outcome.value)
        login_user(outcome.value)
        flash(_("注册成功，欢迎加入！"), "success")
        return redirect(url_for("home.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        services.update_profile(
            db.session, current_user, display_name=form.display_name.data, locale=form.locale.data
        )
        session.pop("lang", None)
        flash(_("资料已保存。"), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(form, password_form)


def _profile_page(form: ProfileForm, password_form: PasswordForm, status: int = 200):
    """The profile page: the account, its password, and who gets which notices how."""
    preference = preference_of(db.session, current_user)
    return render_template(
        "auth/profile.html",
        form=form,
        password_form=password_form,
        summary=account_summary(db.session, current_user),
        notify_form=preference_form(preference, Rules.from_config(current_app.config, local_zone())),
        wechat_linked=bool(preference.wechat_openid),
    ), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm(prefix="pw")
    if run_form(
        form,
        lambda: services.change_password(
            db.session, current_user, current=form.current.data, new=form.new.data
        ),
    ).ok:
        signin.record(current_user, "password_changed")
        flash(_("密码已修改，其他设备上的登录已退出。"), "success")
        return redirect(url_for("auth.profile"))
    return _profile_page(ProfileForm(obj=current_user), form, 400)


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(safe_next(url_for("home.index"), form.next.data or ""))


@bp.get("/users")
@login_required
def users():
    page = request.args.get("page", 1, type=int)
    query = request.args.get("q", "")
    result = services.users_in_scope(
        db.session, current_user, query=query, page=page, per_page=USERS_PER_PAGE
    )
    return render_template("auth/users.html", result=result, query=query, rank=rank)


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    form = ActiveForm()
    require_valid(form)
    user = services.set_active(db.session, current_user, user_id, form.active.data == "1")
    signin.record(current_user, "account_enabled" if user.is_active else "account_disabled")
    flash(
        _("已启用 %(name)s。", name=user.display_name)
        if user.is_active
        else _("已停用 %(name)s，其所有登录已失效。", name=user.display_name),
        "success",
    )
    return redirect(url_for("auth.users"))
