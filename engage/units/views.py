"""The command centre's pages: departments (create, rename, deactivate) and their members."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.forms import ActiveForm, EmptyForm
from engage.extensions import db
from engage.forms import require_valid, run_form
from engage.units import services
from engage.units.forms import DepartmentForm, MemberForm

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.route("/departments/", methods=["GET", "POST"])
@login_required
def departments():
    rows = services.departments(db.session, current_user)
    form = DepartmentForm()
    if run_form(form, lambda: services.create_department(db.session, current_user, form.name.data)).ok:
        flash(_("已新增部门 %(name)s。", name=form.name.data.strip()), "success")
        return redirect(url_for("units.departments"))
    return render_template("units/departments.html", rows=rows, form=form)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@login_required
def department(department_id: int):
    """The department's page; its form renames it."""
    row = services.get_department(db.session, current_user, department_id)
    form = DepartmentForm(obj=row, prefix="rename")
    if run_form(
        form, lambda: services.rename_department(db.session, current_user, row.id, form.name.data)
    ).ok:
        flash(_("已保存。"), "success")
        return redirect(url_for("units.department", department_id=row.id))
    return _department_page(row, rename=form)


@bp.post("/departments/<int:department_id>/members")
@login_required
def attach(department_id: int):
    row = services.get_department(db.session, current_user, department_id)
    form = MemberForm(prefix="member")
    outcome = run_form(
        form, lambda: services.attach_member(db.session, current_user, row.id, form.username.data)
    )
    if outcome.ok:
        flash(_("%(name)s 已加入本部门。", name=outcome.value.display_name), "success")
        return redirect(url_for("units.department", department_id=row.id))
    return _department_page(row, member=form)


@bp.post("/departments/<int:department_id>/members/<int:user_id>/detach")
@login_required
def detach(department_id: int, user_id: int):
    require_valid(EmptyForm())
    user = services.detach_member(db.session, current_user, department_id, user_id)
    flash(_("%(name)s 已移出本部门。", name=user.display_name), "success")
    return redirect(url_for("units.department", department_id=department_id))


@bp.post("/departments/<int:department_id>/active")
@login_required
def set_active(department_id: int):
    form = ActiveForm()
    require_valid(form)
    row = services.set_department_active(db.session, current_user, department_id, form.active.data == "1")
    flash(_("已启用该部门。") if row.is_active else _("已停用该部门，不再接受分拨。"), "success")
    return redirect(url_for("units.department", department_id=row.id))


def _department_page(row, *, rename=None, member=None):
    return render_template(
        "units/department.html",
        row=row,
        members=services.members(db.session, current_user, row.id),
        rename=rename or DepartmentForm(obj=row, prefix="rename", formdata=None),
        member=member or MemberForm(prefix="member", formdata=None),
    )
