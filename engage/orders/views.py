"""Order pages: residents order and rate, volunteers take tasks, staff dispatch."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.login import current_scope
from engage.community.services import community_residents, micro_grid_from_poster
from engage.extensions import db
from engage.forms import ReasonForm, options, run_form
from engage.orders import categories, queries, services, supervision
from engage.orders.forms import CategoryForm, CompleteForm, DispatchForm, PlaceForm, RateForm
from engage.orders.models import STATUSES
from engage.orders.routing_forms import unit_path_forms
from engage.units.services import routable_units
from engage.uploads import accepts_upload, with_photo
from engage.validation import query_id
from points.base import utcnow

bp = Blueprint("orders", __name__)


def photo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "orders"


def _place_choices(form: PlaceForm) -> None:
    form.category.choices = options(
        (c.code, f"{c.name}（{c.points}分）")
        for c in categories.active_categories(db.session, current_scope().community_id)
    )
    residents = community_residents(db.session, current_scope().community_id)
    form.on_behalf_of.choices = options([(0, _("我自己"))] + [(r.id, r.display_name) for r in residents])


@bp.route("/orders/new", methods=["GET", "POST"])
@login_required
def new():
    form = PlaceForm(micro_grid_token=request.args.get("m", ""))
    _place_choices(form)
    micro_grid = (
        micro_grid_from_poster(db.session, current_app.config["SECRET_KEY"], form.micro_grid_token.data)
        if form.micro_grid_token.data
        else None
    )
    on_behalf = form.on_behalf_of.data or None
    outcome = run_form(
        form,
        lambda: services.place_order(
            db.session,
            current_user,
            category=form.category.data,
            title=form.title.data,
            description=form.description.data,
            on_behalf_of=on_behalf,
            channel=form.channel.data if on_behalf else ("qr" if micro_grid else "app"),
            micro_grid_id=micro_grid.id if micro_grid else None,
            priority=form.priority.data if on_behalf else None,
        ),
    )
    if outcome.ok:
        flash(_("已提交，社区将尽快派单。"), "success")
        return redirect(url_for("orders.detail", order_id=outcome.value.id))
    return render_template(
        "orders/new.html",
        form=form,
        micro_grid=micro_grid,
        helper=current_user.has_role("grid_worker", "staff", "admin"),
    )


@bp.get("/orders/mine")
@login_required
def mine():
    result = queries.requested_by(db.session, current_user, page=request.args.get("page", 1, type=int))
    return render_template("orders/mine.html", result=result)


@bp.get("/orders/<int:order_id>")
@login_required
def detail(order_id: int):
    order = services.get_order(db.session, current_user, order_id)
    forms = {
        "dispatch": DispatchForm(),
        "complete": CompleteForm(),
        "rate": RateForm(),
        "cancel": ReasonForm(prefix="cancel"),
        "reopen": ReasonForm(prefix="reopen"),
    }
    suggestions = []
    if order.status == "placed" and current_user.has_role("staff", "admin"):
        suggestions = queries.suggest_volunteers(db.session, current_user, order.id)
    can = services.available_actions(db.session, current_user, order, rating_period=_rating_period())
    return render_template(
        "orders/detail.html",
        order=order,
        forms={**forms, **unit_path_forms(order, can)},
        suggestions=suggestions,
        overdue=queries.is_overdue(order),
        can=can,
        now=utcnow(),
        supervision=supervision.offered(db.session, current_user, order),
    )


def _rating_period() -> timedelta:
    """How long a requester has to rate before staff may 核查结案 (``ORDER_UNRATED_CLOSE_DAYS``)."""
    return timedelta(days=current_app.config["ORDER_UNRATED_CLOSE_DAYS"])


def act(order_id: int, call, form=None, done: str = ""):
    """Validate, run the service, and go back to the order (the request commits once)."""
    if form is not None and not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("orders.detail", order_id=order_id))
    call()
    flash(done or _("已完成。"), "success")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/dispatch")
@login_required
def dispatch(order_id: int):
    form = DispatchForm()
    return act(
        order_id,
        lambda: services.dispatch_order(
            db.session,
            current_user,
            order_id,
            volunteer_id=form.volunteer_id.data or None,
            note=form.note.data,
        ),
        form,
        _("已派单。"),
    )


@bp.post("/orders/<int:order_id>/accept")
@login_required
def accept(order_id: int):
    return act(
        order_id,
        lambda: services.accept_order(db.session, current_user, order_id),
        done=_("接单成功，请按时完成服务。"),
    )


@bp.post("/orders/<int:order_id>/complete")
@accepts_upload
@login_required
def complete(order_id: int):
    form = CompleteForm()

    def run():
        return with_photo(
            db.session,
            photo_folder(),
            form.photo.data,
            lambda photo: services.complete_order(
                db.session, current_user, order_id, note=form.note.data, photo=photo
            ),
        )

    return act(order_id, run, form, _("已提交完成，等待居民评价。"))


@bp.post("/orders/<int:order_id>/rate")
@login_required
def rate(order_id: int):
    form = RateForm()
    return act(
        order_id,
        lambda: services.rate_order(
            db.session, current_user, order_id, stars=form.stars.data, comment=form.comment.data
        ),
        form,
        _("感谢您的评价！"),
    )


@bp.post("/orders/<int:order_id>/cancel")
@login_required
def cancel(order_id: int):
    form = ReasonForm(prefix="cancel")
    return act(
        order_id,
        lambda: services.cancel_order(db.session, current_user, order_id, reason=form.reason.data),
        form,
        _("订单已取消。"),
    )


@bp.post("/orders/<int:order_id>/verify-close")
@login_required
def verify_close(order_id: int):
    return act(
        order_id,
        lambda: services.verify_close(db.session, current_user, order_id, rating_period=_rating_period()),
        done=_("已核查结案。"),
    )


@bp.post("/orders/<int:order_id>/reopen")
@login_required
def reopen(order_id: int):
    form = ReasonForm(prefix="reopen")
    return act(
        order_id,
        lambda: services.reopen_order(db.session, current_user, order_id, note=form.reason.data),
        form,
        _("已重新进入派单队列。"),
    )


@bp.get("/orders/<int:order_id>/photo")
@login_required
def photo(order_id: int):
    order = services.get_order(db.session, current_user, order_id)
    if not order.photo:
        abort(404)
    return send_from_directory(photo_folder(), order.photo)


@bp.get("/tasks")
@login_required
def tasks():
    category, near = request.args.get("category") or None, request.args.get("near") or None
    result = queries.task_board(
        db.session, current_user, category=category, near=near, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "orders/tasks.html",
        result=result,
        category=category,
        near=near,
        categories=categories.active_categories(db.session, current_scope().community_id),
    )


@bp.get("/tasks/mine")
@login_required
def my_tasks():
    result = queries.taken_by(db.session, current_user, page=request.args.get("page", 1, type=int))
    return render_template("orders/my_tasks.html", result=result)


@bp.get("/orders/queue")
@login_required
def queue():
    """The dispatch queue by status (empty: every open one), handling unit, overdue and 督办."""
    narrow = {
        "status": request.args.get("status", "placed") or None,
        "unit_id": request.args.get("unit_id", type=query_id),
        "overdue": request.args.get("overdue") == "1",
        "escalated": request.args.get("escalated") == "1",
    }
    result = queries.staff_queue(
        db.session, current_user, page=request.args.get("page", 1, type=int), **narrow
    )
    return render_template(
        "orders/queue.html",
        result=result,
        narrow=narrow,
        counts=queries.open_count(db.session, current_user),
        escalated=queries.escalated_count(db.session, current_user),
        units=routable_units(db.session, current_user),
        statuses=STATUSES,
    )


@bp.route("/orders/categories", methods=["GET", "POST"])
@bp.route("/orders/categories/<int:category_id>", methods=["GET", "POST"])
@login_required
def edit_categories(category_id: int | None = None):
    rows = categories.community_categories(db.session, current_user)
    current = next((c for c in rows if c.id == category_id), None)
    if category_id and current is None:
        abort(404)
    form = CategoryForm(obj=current)
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    if run_form(
        form,
        lambda: categories.save_category(
            db.session, current_user, {**values, "skill": values["skill"] or None}, category_id
        ),
    ).ok:
        flash(_("已保存。"), "success")
        return redirect(url_for("orders.edit_categories"))
    return render_template("orders/categories.html", rows=rows, form=form, current=current)
