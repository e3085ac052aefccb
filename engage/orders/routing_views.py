"""The unit path's pages: the buttons of the order page (分拨, 签收, 退单, 延期, 反馈, 回访,
吹哨, 报到, 答复结案, 紧急程度), the unit members' queue (本单位待办), a unit's 三率, the
district's dashboard comparing units (区级看板) and an escalated request's printable 督办单."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.extensions import db
from engage.forms import ReasonForm
from engage.i18n import local_zone
from engage.orders import appraisal, comparison, routing, supervision
from engage.orders.forms import (
    AnswerForm,
    CallbackForm,
    DecisionForm,
    ExtensionForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    WhistleForm,
)
from engage.orders.routing_forms import assign_form
from engage.orders.services import get_order
from engage.orders.views import act, photo_folder
from engage.pagination import paginate
from engage.periods import chosen_or_this_month
from engage.units.services import member_units
from engage.uploads import accepts_upload, with_photo
from engage.validation import query_id

bp = Blueprint("routing", __name__)


@bp.post("/orders/<int:order_id>/assign")
@login_required
def assign(order_id: int):
    order = get_order(db.session, current_user, order_id)
    form = assign_form(order, {"assign"})
    return act(
        order_id,
        lambda: routing.assign_order(
            db.session, current_user, order_id, unit_id=form.unit_id.data, note=form.note.data
        ),
        form,
        _("已分拨。"),
    )


@bp.post("/orders/<int:order_id>/sign")
@login_required
def sign(order_id: int):
    return act(order_id, lambda: routing.sign_order(db.session, current_user, order_id), done=_("已签收。"))


@bp.post("/orders/<int:order_id>/return")
@login_required
def return_(order_id: int):
    form = ReasonForm(prefix="return")
    return act(
        order_id,
        lambda: routing.return_order(db.session, current_user, order_id, reason=form.reason.data),
        form,
        _("已退单，等待重新派单。"),
    )


@bp.post("/orders/<int:order_id>/extension")
@login_required
def extension(order_id: int):
    form = ExtensionForm(prefix="extension")
    return act(
        order_id,
        lambda: routing.request_extension(
            db.session, current_user, order_id, hours=form.hours.data, reason=form.reason.data
        ),
        form,
        _("延期申请已提交，等待审批。"),
    )


@bp.post("/orders/<int:order_id>/extension/decision")
@login_required
def extension_decision(order_id: int):
    form = DecisionForm(prefix="decision")
    return act(
        order_id,
        lambda: routing.decide_extension(
            db.session, current_user, order_id, approve=form.approve.data == "1"
        ),
        form,
        _("已审批。"),
    )


@bp.post("/orders/<int:order_id>/reply")
@accepts_upload
@login_required
def reply(order_id: int):
    form = ReplyForm(prefix="reply")

    def run():
        return with_photo(
            db.session,
            photo_folder(),
            form.photo.data,
            lambda photo: routing.reply_order(
                db.session, current_user, order_id, result=form.result.data, photo=photo
            ),
        )

    return act(order_id, run, form, _("已反馈办理结果，等待回访。"))


@bp.post("/orders/<int:order_id>/callback")
@login_required
def callback(order_id: int):
    form = CallbackForm(prefix="callback")
    return act(
        order_id,
        lambda: routing.callback_order(
            db.session, current_user, order_id, satisfaction=form.satisfaction.data, note=form.note.data
        ),
        form,
        _("已记录回访结果。"),
    )


@bp.post("/orders/<int:order_id>/whistle")
@login_required
def whistle(order_id: int):
    form = WhistleForm(prefix="whistle")
    return act(
        order_id,
        lambda: routing.whistle_order(
            db.session,
            current_user,
            order_id,
            unit_ids=form.unit_ids.data or [],
            note=form.note.data,
            report_hours=current_app.config["WHISTLE_REPORT_HOURS"],
        ),
        form,
        _("已吹哨，等待部门报到。"),
    )


@bp.post("/orders/<int:order_id>/report-in")
@login_required
def report_in(order_id: int):
    form = NoteForm(prefix="report")
    return act(
        order_id,
        lambda: routing.report_in(db.session, current_user, order_id, note=form.note.data),
        form,
        _("已报到。"),
    )


@bp.post("/orders/<int:order_id>/answer")
@login_required
def answer(order_id: int):
    form = AnswerForm(prefix="answer")
    return act(
        order_id,
        lambda: routing.answer_order(db.session, current_user, order_id, answer=form.answer.data),
        form,
        _("已答复并结案。"),
    )


@bp.post("/orders/<int:order_id>/priority")
@login_required
def priority(order_id: int):
    form = PriorityForm(prefix="priority")
    return act(
        order_id,
        lambda: routing.prioritize_order(db.session, current_user, order_id, priority=form.priority.data),
        form,
        _("已设定紧急程度。"),
    )


@bp.get("/units/queue")
@login_required
def unit_queue():
    """本单位待办: what the member's units must sign, handle or report in for, overdue first."""
    result = paginate(
        db.session,
        routing.unit_queue_query(db.session, current_user),
        page=request.args.get("page", 1, type=int),
        per_page=30,
    )
    return render_template(
        "orders/unit_queue.html", result=result, units=member_units(db.session, current_user)
    )


@bp.get("/units/<int:unit_id>/figures")
@login_required
def unit_figures(unit_id: int):
    """A unit's 三率 for a month, for its members and the dispatchers above it."""
    period = chosen_or_this_month(request.args.get("period"), local_zone(), kinds=("month",))
    figures = appraisal.unit_figures(db.session, current_user, unit_id, period)
    return render_template("orders/unit_figures.html", figures=figures)


@bp.get("/orders/<int:order_id>/supervision")
@login_required
def supervision_notice(order_id: int):
    """督办单: the printable supervision notice of an escalated request, for its dispatchers."""
    return render_template(
        "orders/supervision.html", notice=supervision.supervision_notice(db.session, current_user, order_id)
    )


@bp.get("/units/comparison")
@login_required
def unit_comparison():
    """区级看板: the command centre's streets and departments (or one street's communities), a
    street admin's communities, for a month."""
    period = chosen_or_this_month(request.args.get("period"), local_zone(), kinds=("month",))
    board = comparison.compare_units(
        db.session, current_user, period, street_id=request.args.get("street_id", type=query_id)
    )
    return render_template("orders/unit_comparison.html", board=board)
