"""The self-service kiosk (积分智能兑换机): identify the member, show what this kiosk holds,
redeem, show the receipt, and forget the member after a short idle time.

The kiosk device is logged in with its own account (role ``kiosk``); the member it
serves is kept in the kiosk's session only until they finish or walk away.
"""

from __future__ import annotations

import time
import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.models import User
from engage.auth.permissions import require_role
from engage.extensions import db
from engage.forms import run_form
from engage.i18n import local_zone
from engage.ledger.services import points_balance
from marketplace import catalogue, members, redemption
from marketplace.forms import MemberCodeForm, MemberPinForm, RedeemForm

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
MEMBER = "kiosk_member"


@bp.before_request
@login_required
def only_kiosks():
    require_role(current_user, "kiosk")


def _member() -> User | None:
    """The member being served, unless they left the kiosk idle too long."""
    served = session.get(MEMBER)
    if not served or time.time() - served["at"] > current_app.config["KIOSK_IDLE_SECONDS"]:
        session.pop(MEMBER, None)
        return None
    served["at"] = time.time()
    session[MEMBER] = served
    return db.session.get(User, served["id"])


def _serve(member: User | None):
    if member is None:
        return redirect(url_for("kiosk.attract"))
    session[MEMBER] = {"id": member.id, "at": time.time()}
    return redirect(url_for("kiosk.shop"))


@bp.get("/")
def attract():
    if _member() is not None:
        return redirect(url_for("kiosk.shop"))
    return render_template(
        "kiosk/attract.html", code_form=MemberCodeForm(prefix="code"), pin_form=MemberPinForm(prefix="pin")
    )


@bp.post("/identify/code")
def identify_by_code():
    form = MemberCodeForm(prefix="code")
    outcome = run_form(
        form,
        lambda: members.identify_by_code(
            db.session,
            current_user,
            form.token.data.strip(),
            current_app.config["SECRET_KEY"],
            queue_hours=current_app.config["KIOSK_QUEUE_HOURS"],
        ),
    )
    return _serve(outcome.value if outcome.ok else None)


@bp.post("/identify/pin")
def identify_by_pin():
    form = MemberPinForm(prefix="pin")
    outcome = run_form(
        form, lambda: members.check_pin(db.session, current_user, form.member_no.data, form.pin.data)
    )
    if outcome.ok and outcome.value is None:
        flash(_("会员号或密码错误。"), "error")
    return _serve(outcome.value if outcome.ok else None)


@bp.get("/shop")
def shop():
    member = _member()
    if member is None:
        return redirect(url_for("kiosk.attract"))
    location = catalogue.kiosk_location(db.session, current_user)
    return render_template(
        "kiosk/shop.html",
        member=member,
        balance=points_balance(db.session, member),
        offers=[
            o for o in catalogue.offers(db.session, current_user, location_id=location.id) if o.stock > 0
        ],
        form=RedeemForm(request_id=uuid.uuid4().hex),
    )


@bp.post("/redeem/<int:reward_id>")
def redeem(reward_id: int):
    member = _member()
    if member is None:
        return redirect(url_for("kiosk.attract"))
    form = RedeemForm()
    outcome = run_form(
        form,
        lambda: redemption.redeem(
            db.session,
            member,
            reward_id,
            form.quantity.data,
            location=catalogue.kiosk_location(db.session, current_user),
            zone=local_zone(),
            expected_price=form.price.data,
            client_ref=f"kiosk-web:{form.request_id.data}"[:64] if form.request_id.data else None,
        ),
    )
    if not outcome.ok:
        return redirect(url_for("kiosk.shop"))
    return redirect(url_for("kiosk.receipt", redemption_id=outcome.value.id))


@bp.get("/receipt/<int:redemption_id>")
def receipt(redemption_id: int):
    member = _member()
    if member is None:
        return redirect(url_for("kiosk.attract"))
    return render_template(
        "kiosk/receipt.html",
        redemption=redemption.get_mine(db.session, member, redemption_id),
        balance=points_balance(db.session, member),
        member=member,
    )


@bp.post("/done")
def done():
    session.pop(MEMBER, None)
    return redirect(url_for("kiosk.attract"))
