"""The points mall on the phone, and the staff's catalogue, counter and history pages."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engage.auth.login import current_scope
from engage.auth.models import User, UserRole
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.background.queue import job_queue, submit
from engage.exports import XLSX
from engage.extensions import db
from engage.forms import flash_errors, options, posted, run_form
from engage.i18n import from_local, local_zone, to_local
from engage.ledger.services import points_balance
from engage.pagination import count_rows, paginate
from engage.qr import qr_svg
from engage.uploads import accepts_upload, with_photo
from marketplace import catalogue, members, redemption
from marketplace.export import EXPORT_MAX_ROWS, redemptions_workbook
from marketplace.forms import (
    CodeForm,
    HistoryFilter,
    KioskForm,
    MerchantForm,
    NewRewardForm,
    PinForm,
    RedeemForm,
    RefundForm,
    RestockForm,
    RewardForm,
)

bp = Blueprint("mall", __name__, url_prefix="/mall")


# Members ---------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    counter = catalogue.find_counter(db.session, current_scope().community_id)
    offers = catalogue.offers(db.session, current_user, location_id=counter.id) if counter else []
    return render_template("mall/index.html", offers=offers, balance=points_balance(db.session, current_user))


@bp.get("/rewards/<int:reward_id>")
@login_required
def reward(reward_id: int):
    found = catalogue.get_reward(db.session, current_user, reward_id)
    form = RedeemForm(price=found.price_points, request_id=uuid.uuid4().hex)
    return render_template(
        "mall/reward.html", reward=found, form=form, balance=points_balance(db.session, current_user)
    )


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int):
    form = RedeemForm()
    outcome = run_form(
        form,
        lambda: redemption.redeem_online(
            db.session,
            current_user,
            reward_id,
            form.quantity.data,
            zone=local_zone(),
            pickup_hours=current_app.config["REDEMPTION_PICKUP_HOURS"],
            expected_price=form.price.data,
            client_ref=f"web:{current_user.id}:{form.request_id.data}"[:64] if form.request_id.data else None,
        ),
    )
    if not outcome.ok:
        flash_errors(form)
        return redirect(url_for("mall.reward", reward_id=reward_id))
    flash(_("兑换成功，请凭取货码到社区服务中心领取。"), "success")
    return redirect(url_for("mall.redemption_page", redemption_id=outcome.value.id))


@bp.get("/redemptions")
@login_required
def my_redemptions():
    result = paginate(
        db.session,
        redemption.my_redemptions(current_user),
        page=request.args.get("page", 1, type=int),
        per_page=20,
    )
    return render_template("mall/mine.html", result=result)


@bp.get("/redemptions/<int:redemption_id>")
@login_required
def redemption_page(redemption_id: int):
    found = redemption.get_mine(db.session, current_user, redemption_id)
    return render_template(
        "mall/redemption.html", redemption=found, qr=qr_svg(found.pickup_code) if found.pickup_code else None
    )


@bp.route("/card", methods=["GET", "POST"])
@login_required
def card():
    """The member code for kiosks, the member number, and the PIN for the keypad."""
    form = PinForm()
    if run_form(form, lambda: members.set_pin(db.session, current_user, form.pin.data)).ok:
        flash(_("兑换机密码已设置。"), "success")
        return redirect(url_for("mall.card"))
    found = members.find_card(db.session, current_user)
    return render_template("mall/card.html", card=found, form=form, code=_member_code())


@bp.get("/card/code")
@login_required
def card_code():
    return jsonify(_member_code())


def _member_code() -> dict:
    token, expires_at = members.member_code(current_user, current_app.config["SECRET_KEY"])
    return {"token": token, "svg": str(qr_svg(token)), "expires_at": expires_at.isoformat()}


# Staff -----------------------------------------------------------------------------------


def _reward_choices(form: RewardForm) -> RewardForm:
    form.merchant_id.choices = options(
        [(0, _("无"))] + [(m.id, m.name) for m in catalogue.merchants(db.session, current_user)]
    )
    return form


def _reward_fields(form: RewardForm) -> dict:
    limit = form.limit_per_person.data
    return dict(
        name=form.name.data,
        price_points=form.price_points.data,
        category=form.category.data,
        description=form.description.data or "",
        merchant_id=form.merchant_id.data or None,
        limit_per_person=limit or None,
        limit_period=(form.limit_period.data or None) if limit else None,
        active=form.active.data,
        active_from=from_local(form.active_from.data),
        active_until=from_local(form.active_until.data),
    )


def _with_picture(form: RewardForm, save):
    """Run ``save(picture)`` with the uploaded picture's name; the file is stored only after it."""
    return with_photo(db.session, _picture_folder(), form.picture.data, save, field="picture")


def _picture_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "rewards"


@bp.get("/rewards/<int:reward_id>/picture")
@login_required
def picture(reward_id: int):
    found = catalogue.get_reward(db.session, current_user, reward_id)
    if not found.picture:
        abort(404)
    return send_from_directory(_picture_folder(), found.picture)


@bp.route("/admin", methods=["GET", "POST"])
@accepts_upload
@login_required
def admin():
    require_role(current_user, *STAFF_ROLES)
    form = _reward_choices(NewRewardForm())
    outcome = run_form(
        form,
        lambda: _with_picture(
            form,
            lambda picture: catalogue.create_reward(
                db.session, current_user, stock=form.stock.data or 0, picture=picture, **_reward_fields(form)
            ),
        ),
    )
    if outcome.ok:
        flash(_("奖品已上架。"), "success")
        return redirect(url_for("mall.admin_reward", reward_id=outcome.value.id))
    return render_template(
        "mall/admin.html", form=form, offers=catalogue.offers(db.session, current_user, include_inactive=True)
    )


@bp.route("/admin/rewards/<int:reward_id>", methods=["GET", "POST"])
@accepts_upload
@login_required
def admin_reward(reward_id: int):
    require_role(current_user, *STAFF_ROLES)
    found = catalogue.get_reward(db.session, current_user, reward_id)
    form = _reward_choices(RewardForm(obj=found))
    if request.method == "GET":
        form.merchant_id.data, form.limit_period.data = found.merchant_id or 0, found.limit_period or ""
        form.active_from.data, form.active_until.data = (
            to_local(moment).date() if moment else None for moment in (found.active_from, found.active_until)
        )
    outcome = run_form(
        form,
        lambda: _with_picture(
            form,
            lambda picture: catalogue.update_reward(
                db.session, current_user, reward_id, picture=picture, **_reward_fields(form)
            ),
        ),
    )
    if outcome.ok:
        flash(_("已保存。"), "success")
        return redirect(url_for("mall.admin_reward", reward_id=reward_id))
    restock_form = RestockForm(prefix="stock")
    restock_form.location_id.choices = options(
        (loc.id, loc.name) for loc in catalogue.locations(db.session, current_user)
    )
    return render_template(
        "mall/admin_reward.html",
        reward=found,
        form=form,
        restock_form=restock_form,
        levels=catalogue.stock_levels(db.session, current_user, reward_id),
        movements=catalogue.movements(db.session, current_user, reward_id),
    )


@bp.post("/admin/rewards/<int:reward_id>/stock")
@login_required
def restock(reward_id: int):
    form = RestockForm(prefix="stock")
    form.location_id.choices = options(
        (loc.id, loc.name) for loc in catalogue.locations(db.session, current_user)
    )
    if run_form(
        form,
        lambda: catalogue.restock(
            db.session,
            current_user,
            reward_id,
            form.location_id.data,
            form.delta.data,
            note=form.note.data or "",
        ),
    ).ok:
        flash(_("库存已更新。"), "success")
    else:
        flash_errors(form)
    return redirect(url_for("mall.admin_reward", reward_id=reward_id))


@bp.route("/admin/counter", methods=["GET", "POST"])
@login_required
def counter():
    """Staff type (or scan) the member's pickup code, check, and hand the reward over."""
    require_role(current_user, *STAFF_ROLES)
    form = CodeForm(code=request.args.get("code", ""))
    found = redemption.find_by_code(db.session, current_user, form.code.data) if form.code.data else None
    if (
        request.method == "POST"
        and run_form(form, lambda: redemption.hand_over(db.session, current_user, form.code.data)).ok
    ):
        flash(_("已领取。"), "success")
        return redirect(url_for("mall.counter"))
    return render_template("mall/counter.html", form=form, found=found)


@bp.get("/admin/redemptions")
@login_required
def history():
    filters, stmt = _history()
    result = paginate(db.session, stmt, page=request.args.get("page", 1, type=int), per_page=50)
    return render_template(
        "mall/history.html",
        result=result,
        filters=filters,
        refund_form=RefundForm(),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/admin/redemptions.xlsx")
@login_required
def export():
    """The file at once; a long period (over EXPORT_QUEUE_ROWS rows) with a job queue is made by
    a worker while the job's page shows its progress (this GET queues the job; it writes nothing
    to the database)."""
    filters, stmt = _history()
    queue_from = current_app.config["EXPORT_QUEUE_ROWS"]
    if job_queue() is not None and count_rows(db.session, stmt, at_most=queue_from) > queue_from:
        return redirect(url_for("background.job", job_id=_queue_export(filters)))
    rows = db.session.scalars(stmt.limit(EXPORT_MAX_ROWS)).all()
    return send_file(
        BytesIO(redemptions_workbook(rows, local_zone())),
        download_name="redemptions.xlsx",
        as_attachment=True,
        mimetype=XLSX,
    )


def _queue_export(filters: HistoryFilter) -> str:
    start, end = _period(filters)
    params = {
        "user_id": current_user.id,
        "location_id": filters.location.data or None,
        "reward_id": filters.reward.data or None,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
    }
    return submit(
        "redemptions_export",
        params,
        owner_id=current_user.id,
        filename="redemptions.xlsx",
        title=_("兑换记录"),
    ).job_id


def _period(filters: HistoryFilter):
    end = from_local(filters.end.data + timedelta(days=1)) if filters.end.data else None
    return from_local(filters.start.data), end


def _history():
    filters = HistoryFilter(request.args)
    filters.location.choices = options(
        [(0, _("全部地点"))] + [(loc.id, loc.name) for loc in catalogue.locations(db.session, current_user)]
    )
    filters.reward.choices = options(
        [(0, _("全部奖品"))]
        + [
            (o.reward.id, o.reward.name)
            for o in catalogue.offers(db.session, current_user, include_inactive=True)
        ]
    )
    filters.validate()
    start, end = _period(filters)
    return filters, redemption.community_redemptions(
        db.session,
        current_user,
        location_id=filters.location.data or None,
        reward_id=filters.reward.data or None,
        start=start,
        end=end,
    )


@bp.post("/admin/redemptions/<int:redemption_id>/refund")
@login_required
def refund(redemption_id: int):
    form = RefundForm()
    if run_form(
        form, lambda: redemption.refund(db.session, current_user, redemption_id, form.reason.data)
    ).ok:
        flash(_("已退款，积分已退回，库存已恢复。"), "success")
    else:
        flash(_("请填写退款原因。"), "error")
    return redirect(request.referrer or url_for("mall.history"))


@bp.route("/admin/places", methods=["GET", "POST"])
@login_required
def places():
    require_role(current_user, *STAFF_ROLES)
    kiosk_form, merchant_form = KioskForm(prefix="kiosk"), MerchantForm(prefix="merchant")
    kiosk_form.kiosk_user_id.choices = options(
        (u.id, f"{u.display_name}（{u.username}）")
        for u in db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == "kiosk", User.community_id == current_scope().community_id)
        )
    )
    if (
        posted(kiosk_form)
        and run_form(
            kiosk_form,
            lambda: catalogue.add_kiosk(
                db.session,
                current_user,
                name=kiosk_form.name.data,
                kiosk_user_id=kiosk_form.kiosk_user_id.data,
            ),
        ).ok
    ):
        return redirect(url_for("mall.places"))
    if (
        posted(merchant_form)
        and run_form(
            merchant_form,
            lambda: catalogue.add_merchant(
                db.session,
                current_user,
                name=merchant_form.name.data,
                contact=merchant_form.contact.data or "",
            ),
        ).ok
    ):
        return redirect(url_for("mall.places"))
    return render_template(
        "mall/places.html",
        kiosk_form=kiosk_form,
        merchant_form=merchant_form,
        locations=catalogue.locations(db.session, current_user),
        merchants=catalogue.merchants(db.session, current_user),
    )
