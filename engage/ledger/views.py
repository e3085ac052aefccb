"""Statement and budget pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.activities.attendance import service_minutes
from engage.auth.services import find_user
from engage.community.services import communities_in_scope
from engage.errors import Forbidden, Invalid
from engage.extensions import db
from engage.forms import options, run_form
from engage.ledger import services
from engage.ledger.forms import AwardForm, IssueForm
from engage.validation import query_id

bp = Blueprint("ledger", __name__, url_prefix="/points")


@bp.get("/")
@login_required
def statement():
    kind = request.args.get("kind") or None
    result = services.my_statement(
        db.session, current_user, kinds=[kind] if kind else None, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "ledger/statement.html",
        statement=result,
        kind=kind,
        kinds=services.KINDS,
        service_minutes=service_minutes(db.session, current_user),
    )


def _issue_form() -> IssueForm | None:
    """Only street admins issue budget, to the communities of their street."""
    if not current_user.has_role("admin"):
        return None
    form = IssueForm(prefix="issue")
    form.community_id.choices = options(
        (c.id, c.name) for c in communities_in_scope(db.session, current_user)
    )
    return form


def _render_budget(award_form: AwardForm, issue_form: IssueForm | None, status: int = 200):
    community, result = services.community_budget(
        db.session,
        current_user,
        request.args.get("community", type=query_id),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "ledger/budget.html",
        community=community,
        statement=result,
        award_form=award_form,
        issue_form=issue_form,
    ), status


@bp.get("/budget")
@login_required
def budget():
    return _render_budget(AwardForm(prefix="award"), _issue_form())


@bp.post("/budget/award")
@login_required
def award():
    form = AwardForm(prefix="award")
    outcome = run_form(
        form,
        lambda: services.award_points(
            db.session, current_user, _member_id(form.member.data), form.amount.data, form.memo.data
        ),
    )
    if outcome.ok:
        flash(_("已向 %(name)s 发放 %(n)d 积分。", name=form.member.data, n=form.amount.data), "success")
        return redirect(url_for("ledger.budget"))
    return _render_budget(form, _issue_form(), 400)


def _member_id(login: str) -> int:
    member = find_user(db.session, login)
    if member is None:
        raise Invalid.field("member", _("找不到该用户。"))
    return member.id


@bp.post("/budget/issue")
@login_required
def issue():
    form = _issue_form()
    if form is None:
        raise Forbidden()
    if form.validate_on_submit():
        services.issue_budget(
            db.session, current_user, form.community_id.data, form.amount.data, form.memo.data
        )
        flash(_("已下拨 %(n)d 积分。", n=form.amount.data), "success")
        return redirect(url_for("ledger.budget", community=form.community_id.data))
    return _render_budget(AwardForm(prefix="award"), form, 400)
