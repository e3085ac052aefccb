"""The mall and kiosks over JSON (docs/api.md "Rewards and redemption")."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from engage.api.core import current_actor, json_body, paginated, require_fields
from engage.api.idempotency import idempotent
from engage.api.openapi import ID, INTEGER, PAGE_QUERY, STRING, TIME, array, nullable, obj, operation, page_of
from engage.errorhandlers import describe, is_expected
from engage.errors import Invalid
from engage.extensions import db
from engage.i18n import local_zone
from engage.validation import DB_INT_MAX, moment, optional_string, whole
from marketplace import catalogue, members, redemption
from marketplace.models import Redemption

bp = Blueprint("marketplace_api", __name__)


def _seen_price(item: dict) -> int | None:
    """The price the member saw, when the client sends it (a mismatch is ``price_changed``)."""
    price = item.get("price_points")
    return None if price is None else whole(price, "price_points", 0, DB_INT_MAX)


def redemption_json(found: Redemption) -> dict:
    return {
        "id": found.id,
        "reward_id": found.reward_id,
        "reward": found.reward.name,
        "quantity": found.quantity,
        "points_spent": found.points_spent,
        "pickup_code": found.pickup_code,
        "status": found.status,
        "channel": found.channel,
        "created_at": found.created_at.isoformat(),
        "expires_at": found.expires_at.isoformat() if found.expires_at else None,
    }


@bp.get("/rewards")
def rewards():
    """A kiosk sees what it holds; members see the whole community's stock."""
    actor = current_actor()
    location_id = catalogue.kiosk_location(db.session, actor).id if actor.has_role("kiosk") else None
    return jsonify(
        [
            {
                "id": o.reward.id,
                "name": o.reward.name,
                "price_points": o.reward.price_points,
                "stock": o.stock,
                "category": o.reward.category,
                "description": o.reward.description,
                "limit_per_person": o.reward.limit_per_person,
                "limit_period": o.reward.limit_period,
            }
            for o in catalogue.offers(db.session, actor, location_id=location_id)
        ]
    )


@bp.post("/rewards")
def create_reward():
    body = json_body()
    require_fields(body, "name", "price_points")
    reward = catalogue.create_reward(
        db.session,
        current_actor(),
        name=body["name"],
        price_points=body["price_points"],
        stock=body.get("stock", 0),
        category=body.get("category", "goods"),
        description=body.get("description", ""),
        limit_per_person=body.get("limit_per_person"),
        limit_period=body.get("limit_period"),
    )
    return jsonify(
        {
            "id": reward.id,
            "name": reward.name,
            "price_points": reward.price_points,
            "stock": body.get("stock", 0),
        }
    ), 201


@bp.post("/redemptions")
@idempotent
def redeem():
    body = json_body()
    require_fields(body, "reward_id", "quantity")
    found = redemption.redeem_online(
        db.session,
        current_actor(),
        body["reward_id"],
        body["quantity"],
        zone=local_zone(),
        expected_price=_seen_price(body),
        pickup_hours=current_app.config["REDEMPTION_PICKUP_HOURS"],
    )
    return redemption_json(found), 201


@bp.get("/me/redemptions")
def my_redemptions():
    return jsonify(paginated(redemption.my_redemptions(current_actor()), redemption_json))


@bp.get("/me/member-code")
def member_code():
    token, expires_at = members.member_code(current_actor(), current_app.config["SECRET_KEY"])
    return jsonify({"token": token, "expires_at": expires_at.isoformat()})


def _kiosk_redeem(
    device, item: dict, *, at: datetime | None = None, client_ref: str | None = None
) -> Redemption:
    """A resent queue item answers with what it got the first time (its member code is used up by then)."""
    location = catalogue.kiosk_location(db.session, device)
    if client_ref and (earlier := redemption.by_client_ref(db.session, location, client_ref)) is not None:
        return earlier
    token = optional_string(item["member_token"], "member_token")
    member = members.identify_by_code(
        db.session,
        device,
        token,
        current_app.config["SECRET_KEY"],
        at=at,
        queue_hours=current_app.config["KIOSK_QUEUE_HOURS"],
    )
    return redemption.redeem(
        db.session,
        member,
        item["reward_id"],
        item["quantity"],
        location=location,
        zone=local_zone(),
        expected_price=_seen_price(item),
        client_ref=client_ref,
        now=at,
    )


@bp.post("/kiosk/redemptions")
@idempotent
def kiosk_redeem():
    body = json_body()
    require_fields(body, "member_token", "reward_id", "quantity")
    return redemption_json(_kiosk_redeem(current_actor(), body)), 201


@bp.post("/kiosk/redemptions/queued")
def kiosk_queue():
    """Redemptions a kiosk took while offline, settled in the order they happened; each one
    stands alone (one refusal does not undo the others) and ``client_ref`` makes resending safe."""
    device = current_actor()
    items = json_body().get("redemptions")
    if not isinstance(items, list) or not 1 <= len(items) <= 500:
        raise Invalid(_("redemptions 必须是1到500项的列表。"), {"redemptions": _("需要列表。")})
    results = [_settle_queued(device, item) for item in sorted(items, key=_settling_order)]
    return jsonify({"results": results})


def _queued_at(item) -> datetime | None:
    """When the kiosk took the sale, if the item says so with an offset; else None."""
    try:
        return moment(item["queued_at"], "queued_at")
    except (KeyError, TypeError, Invalid):
        return None


def _settling_order(item) -> tuple[bool, datetime]:
    """By the instant, not the text: 18:00+08:00 comes before 11:00Z. Undated items last
    (each is refused on its own)."""
    at = _queued_at(item)
    return at is None, at or datetime.min.replace(tzinfo=UTC)


def _settle_queued(device, item) -> dict:
    ref = str(item.get("client_ref", ""))[:64] if isinstance(item, dict) else ""
    try:
        if not ref:
            raise Invalid(_("缺少 client_ref。"), {"client_ref": _("必填。")})
        require_fields(item, "member_token", "reward_id", "quantity", "queued_at")
        at = moment(item["queued_at"], "queued_at")
        with db.session.begin_nested():
            found = _kiosk_redeem(device, item, at=at, client_ref=ref)
        return {"client_ref": ref, "status": "settled", "redemption": redemption_json(found)}
    except Exception as error:  # noqa: BLE001 - an expected refusal is this item's answer
        if not is_expected(error):
            raise
        _status, code, message, _fields = describe(error)
        return {"client_ref": ref, "status": "refused", "error": {"code": code, "message": message}}


@bp.post("/redemptions/pickup")
def pickup():
    body = json_body()
    require_fields(body, "pickup_code")
    return jsonify(
        redemption_json(
            redemption.hand_over(
                db.session, current_actor(), optional_string(body["pickup_code"], "pickup_code")
            )
        )
    )


@bp.post("/redemptions/<int:redemption_id>/refund")
def refund(redemption_id: int):
    body = json_body()
    require_fields(body, "reason")
    return jsonify(
        redemption_json(redemption.refund(db.session, current_actor(), redemption_id, body["reason"]))
    )


REDEMPTION = obj(
    {
        "id": ID,
        "reward_id": ID,
        "reward": STRING,
        "quantity": INTEGER,
        "points_spent": INTEGER,
        "pickup_code": nullable(STRING),
        "status": STRING,
        "channel": STRING,
        "created_at": TIME,
        "expires_at": nullable(TIME),
    }
)
_REDEEM = {
    "reward_id": ID,
    "quantity": {"type": "integer", "minimum": 1},
    "price_points": {"type": "integer", "minimum": 0, "description": "the price the member saw"},
}
_QUEUED = obj(
    {"client_ref": STRING, "status": {"type": "string", "enum": ["settled", "refused"]}},
    optional={"redemption": REDEMPTION, "error": obj({"code": STRING, "message": STRING})},
)
_ERRORS = (403, 404, 409)
OPENAPI_PATHS = {
    "/rewards": {
        "get": operation(
            "Rewards on sale with stock (a kiosk: its own stock)",
            tag="mall",
            returns=array(
                obj(
                    {
                        "id": ID,
                        "name": STRING,
                        "price_points": INTEGER,
                        "stock": INTEGER,
                        "category": STRING,
                        "description": nullable(STRING),
                        "limit_per_person": nullable(INTEGER),
                        "limit_period": nullable(STRING),
                    }
                )
            ),
            errors=(403,),
        ),
        "post": operation(
            "Add a reward (staff); initial stock goes to the counter",
            tag="mall",
            ok=201,
            errors=(403, 404),
            required=("name", "price_points"),
            body={
                "name": STRING,
                "price_points": INTEGER,
                "stock": INTEGER,
                "category": STRING,
                "description": STRING,
                "limit_per_person": INTEGER,
                "limit_period": STRING,
            },
            returns=obj({"id": ID, "name": STRING, "price_points": INTEGER, "stock": INTEGER}),
        ),
    },
    "/redemptions": {
        "post": operation(
            "Redeem online; pick up at the counter with the pickup code. 409 insufficient_points, "
            "out_of_stock, price_changed (when price_points is sent and differs), limit_reached",
            tag="mall",
            ok=201,
            errors=_ERRORS,
            idempotent=True,
            body=_REDEEM,
            required=("reward_id", "quantity"),
            returns=REDEMPTION,
        )
    },
    "/me/redemptions": {
        "get": operation(
            "The caller's redemptions, newest first",
            tag="mall",
            query=PAGE_QUERY,
            returns=page_of(REDEMPTION),
        )
    },
    "/me/member-code": {
        "get": operation(
            "A signed, single-use member code valid for 120 seconds",
            tag="mall",
            returns=obj({"token": STRING, "expires_at": TIME}),
            errors=(403,),
        )
    },
    "/kiosk/redemptions": {
        "post": operation(
            "Redeem at a kiosk for the member whose code was scanned; a used or expired code → 401",
            tag="mall",
            ok=201,
            errors=_ERRORS,
            idempotent=True,
            body={"member_token": STRING, **_REDEEM},
            required=("member_token", "reward_id", "quantity"),
            returns=REDEMPTION,
        )
    },
    "/kiosk/redemptions/queued": {
        "post": operation(
            "Settle redemptions a kiosk queued while offline, in queued_at order; per item 'settled' or "
            "'refused' with the reason; resending a client_ref returns its first result",
            tag="mall",
            errors=(403,),
            required=("redemptions",),
            body={
                "redemptions": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 500,
                    "items": {
                        "description": "an object: client_ref, member_token, reward_id, quantity, queued_at; "
                        "a malformed item is refused in its own result, not the whole call"
                    },
                }
            },
            returns=obj({"results": array(_QUEUED)}),
        )
    },
    "/redemptions/pickup": {
        "post": operation(
            "Hand over an online redemption at the counter (staff)",
            tag="mall",
            errors=_ERRORS,
            body={"pickup_code": STRING},
            required=("pickup_code",),
            returns=REDEMPTION,
        )
    },
    "/redemptions/{redemption_id}/refund": {
        "post": operation(
            "Refund (staff, with reason): reverses the ledger transaction and returns the stock",
            tag="mall",
            errors=_ERRORS,
            body={"reason": STRING},
            required=("reason",),
            returns=REDEMPTION,
        )
    },
}
