"""Spending points on rewards: online with a pickup code, or at a kiosk on the spot.

A redemption is three changes that commit together or not at all: the stock goes
down by one conditional UPDATE (never below zero), the points move from the member
to ``market:redeemed`` through points/ (never below zero), and the redemption row is
written — and with it, by the database, its stock movement (a trigger,
marketplace/schema.py). Whichever refuses first — ``out_of_stock`` or ``insufficient_points``
— rolls the others back, so nobody is charged for nothing and nothing is given away.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

import points
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, InvalidTransition, NotFound
from engage.ledger.services import user_account
from engage.persistence import reading
from engage.scope import scope_of
from engage.validation import text, whole
from marketplace.catalogue import OutOfStock, move_stock, on_sale, sell_stock
from marketplace.models import Location, Redemption, Reward
from points.base import utcnow
from points.inserts import insert_unless_taken

MARKET_ACCOUNT = "market:redeemed"
MAX_QUANTITY = 10
MEMBER_ROLES = ("resident", "volunteer")
HELD = ("awaiting_pickup", "collected")


class PriceChanged(Conflict):
    code = "price_changed"


class LimitReached(Conflict):
    code = "limit_reached"


class RewardUnavailable(Conflict):
    code = "reward_unavailable"


def redeem(
    session: Session,
    member: User,
    reward_id,
    quantity,
    *,
    zone: ZoneInfo,
    location: Location | None = None,
    expected_price=None,
    pickup_hours: int | None = None,
    client_ref: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Spend ``member``'s points on ``quantity`` of a reward stocked at ``location`` (by default
    the community's service-centre counter).

    Online redemptions (``pickup_hours`` given) wait at the counter under a pickup code;
    kiosk ones are handed out at once. A ``client_ref`` seen before returns the first
    redemption: a kiosk resubmitting its queue, or a double-tapped confirm button.
    The reads come before the write transaction, so that concurrent redemptions hold
    each other up only for the writes; the writes re-check what the reads found.
    """
    require_role(member, *MEMBER_ROLES)
    with reading(session):
        reward, location = _reward_and_place(
            session, member, whole(reward_id, "reward_id", 1, 2**31 - 1), location
        )
        order = _Order(
            member=member,
            reward=reward,
            location=location,
            quantity=whole(quantity, "quantity", 1, MAX_QUANTITY),
            now=now or utcnow(),
            pickup_hours=pickup_hours,
            client_ref=client_ref,
            expected_price=expected_price,
            pickup_code=_pickup_code() if pickup_hours is not None else None,
        )
    _check_offer(member, reward, location, expected_price, order.now)
    return _once(session, order, zone) if client_ref else _spend(session, order, zone)


@dataclass(frozen=True)
class _Order:
    """A redemption as asked for and read, before anything is written."""

    member: User
    reward: Reward
    location: Location | None
    quantity: int
    now: datetime
    pickup_hours: int | None
    pickup_code: str | None
    client_ref: str | None
    expected_price: int | None

    @property
    def online(self) -> bool:
        return self.pickup_hours is not None


def _spend(session: Session, order: _Order, zone: ZoneInfo) -> Redemption:
    """The writes: stock (only on the terms read), points, the redemption (whose stock
    movement the database records)."""
    reward, location, member, quantity, now = (
        order.reward,
        order.location,
        order.member,
        order.quantity,
        order.now,
    )
    if (
        location is None
        or sell_stock(session, reward.id, location.id, quantity, price=reward.price_points, now=now) is None
    ):
        _refuse(session, order)
    total = reward.price_points * quantity
    tx = points.transfer(
        session,
        user_account(member.id),
        MARKET_ACCOUNT,
        total,
        kind="redeem",
        memo=f"兑换 {reward.name} ×{quantity}"[:200],
        reference=f"reward:{reward.id}",
        actor_id=member.id,
    )
    _check_limit(session, member, reward, quantity, zone, now)
    redemption = _insert_redemption(
        session,
        dict(
            community_id=member.community_id,
            member_id=member.id,
            reward_id=reward.id,
            location_id=location.id,
            quantity=quantity,
            points_spent=total,
            channel="online" if order.online else "kiosk",
            status="awaiting_pickup" if order.online else "collected",
            client_ref=order.client_ref,
            transaction_id=tx.id,
            pickup_code=order.pickup_code,
            created_at=now,
            expires_at=now + timedelta(hours=order.pickup_hours) if order.online else None,
            collected_at=None if order.online else now,
        ),
    )
    # what the answer shows of them is at hand: no query when the caller reads it
    set_committed_value(redemption, "reward", reward)
    set_committed_value(redemption, "location", location)
    return redemption


def _once(session: Session, order: _Order, zone: ZoneInfo) -> Redemption:
    """A device's reference redeems once. It is looked up inside the write transaction (on
    SQLite a twin has then committed or waits its turn); a twin that slipped past on
    PostgreSQL meets the unique constraint, and its first redemption is the answer."""
    if order.location is not None and (earlier := by_client_ref(session, order.location, order.client_ref)):
        return earlier
    try:
        with session.begin_nested():
            return _spend(session, order, zone)
    except IntegrityError:
        if order.location is None or not (
            earlier := by_client_ref(session, order.location, order.client_ref)
        ):
            raise
        return earlier


def _refuse(session: Session, order: _Order) -> NoReturn:
    """Why the stock could not be taken: the reward's terms changed since they were read
    (staff edited the price or took it off sale), or it ran out."""
    price_read = order.reward.price_points
    session.refresh(order.reward)
    expected = price_read if order.expected_price is None else order.expected_price
    _check_offer(order.member, order.reward, order.location, expected, order.now)
    raise OutOfStock(str(_("「%(name)s」库存不足。", name=order.reward.name)))


_REWARD_AT_COUNTER = (
    select(Reward, Location)
    .outerjoin(Location, and_(Location.community_id == Reward.community_id, Location.kind == "counter"))
    .where(Reward.id == bindparam("reward_id"))
    .order_by(Location.id)
    .limit(1)
)


def _reward_and_place(
    session: Session, member: User, reward_id: int, location: Location | None
) -> tuple[Reward, Location | None]:
    """The reward, and where it is taken from: the kiosk's place, or else the community's
    counter (read with the reward in one query: the mall's every redemption asks)."""
    if location is not None:
        return scope_of(session, member).own(session, Reward, reward_id), location
    found = session.execute(_REWARD_AT_COUNTER, {"reward_id": reward_id}).first()
    if found is None or found.Reward.community_id != scope_of(session, member).community_id:
        raise NotFound()
    return found.Reward, found.Location


def _check_offer(
    member: User, reward: Reward, location: Location | None, expected_price, now: datetime
) -> None:
    """What the member sees must still be what they get: on sale, here, at that price."""
    if location is not None and location.community_id != member.community_id:
        raise NotFound()
    if not on_sale(reward, now):
        raise RewardUnavailable(str(_("该奖品已下架。")))
    if expected_price is not None and expected_price != reward.price_points:
        raise PriceChanged(str(_("价格已变为 %(n)d 积分，请确认后再兑换。", n=reward.price_points)))


def redeem_online(
    session: Session,
    member: User,
    reward_id,
    quantity,
    *,
    zone: ZoneInfo,
    pickup_hours: int,
    expected_price=None,
    client_ref: str | None = None,
) -> Redemption:
    """From the mall: stock of the service-centre counter, collected there with the code."""
    return redeem(
        session,
        member,
        reward_id,
        quantity,
        zone=zone,
        expected_price=expected_price,
        pickup_hours=pickup_hours,
        client_ref=client_ref,
    )


def by_client_ref(session: Session, location: Location, client_ref: str) -> Redemption | None:
    """A redemption a device already submitted under this reference."""
    return session.scalar(
        select(Redemption).where(Redemption.location_id == location.id, Redemption.client_ref == client_ref)
    )


def _check_limit(
    session: Session, member: User, reward: Reward, quantity: int, zone: ZoneInfo, now: datetime
) -> None:
    """Per-person limits count this month's (or year's) redemptions in the configured zone.

    Checked after the points moved: the member's account row is then locked until
    commit, so two redemptions of one member cannot both slip under the limit.
    """
    if not reward.limit_per_person:
        return
    local = now.astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if reward.limit_period == "year":
        start = start.replace(month=1)
    taken = session.scalar(
        select(func.coalesce(func.sum(Redemption.quantity), 0)).where(
            Redemption.member_id == member.id,
            Redemption.reward_id == reward.id,
            Redemption.status.in_(HELD),
            Redemption.created_at >= start,
        )
    )
    if taken + quantity > reward.limit_per_person:
        period = _("每月") if reward.limit_period == "month" else _("每年")
        raise LimitReached(
            str(
                _(
                    "「%(name)s」%(period)s每人限兑 %(n)d 件。",
                    name=reward.name,
                    period=period,
                    n=reward.limit_per_person,
                )
            )
        )


def _pickup_code() -> str:
    """Eight digits, easy to read out at the counter."""
    return f"{secrets.randbelow(10**8):08d}"


def _insert_redemption(session: Session, values: dict) -> Redemption:
    """Write the redemption; a pickup code already in use (one chance in a hundred million
    per code out there) inserts nothing, and another one is drawn."""
    while (redemption := insert_unless_taken(session, Redemption, values, "pickup_code")) is None:
        values["pickup_code"] = _pickup_code()
    return redemption


# At the counter -------------------------------------------------------------------------


def find_by_code(session: Session, staff: User, code: str) -> Redemption | None:
    require_role(staff, *STAFF_ROLES)
    return session.scalar(
        select(Redemption).where(
            Redemption.pickup_code == (code or "").strip(),
            Redemption.community_id == scope_of(session, staff).community_id,
        )
    )


def hand_over(session: Session, staff: User, code: str) -> Redemption:
    """Staff give the reward to whoever shows the code; once."""
    redemption = find_by_code(session, staff, code)
    if redemption is None:
        raise NotFound(str(_("没有这个取货码。")))
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == "awaiting_pickup")
        .values(status="collected", collected_at=utcnow(), handled_by_id=staff.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise InvalidTransition(str(_("该兑换已领取、已过期或已退款。")))
    session.refresh(redemption)
    return redemption


def _settle(
    session: Session,
    redemption: Redemption,
    status: str,
    *,
    from_statuses: tuple[str, ...],
    actor_id: int | None,
    reason: str,
) -> bool:
    """Mark a redemption expired or refunded, once, and put its stock back."""
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status.in_(from_statuses))
        .values(status=status, handled_by_id=actor_id, refund_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        return False
    move_stock(
        session,
        redemption.reward_id,
        redemption.location_id,
        redemption.quantity,
        reason="return",
        note=reason,
        actor_id=actor_id,
        redemption_id=redemption.id,
    )
    session.refresh(redemption)
    return True


def refund(session: Session, staff: User, redemption_id: int, reason: str) -> Redemption:
    """Staff take a reward back (or cancel an uncollected one): the ledger transaction is
    reversed and the stock returns."""
    require_role(staff, *STAFF_ROLES)
    redemption = scope_of(session, staff).own(session, Redemption, redemption_id)
    reason = text(reason, "reason", 200)
    if not _settle(session, redemption, "refunded", from_statuses=HELD, actor_id=staff.id, reason=reason):
        raise InvalidTransition(str(_("该兑换已过期或已退款。")))
    points.reverse(
        session,
        session.get(points.Transaction, redemption.transaction_id),
        actor_id=staff.id,
        memo=f"退款：{reason}"[:200],
        idempotency_key=f"redemption-refund:{redemption.id}",
    )
    return redemption


def expire_unclaimed(session: Session, *, now: datetime) -> int:
    """``tick``: online redemptions not picked up in time are refunded and restocked."""
    overdue = session.scalars(
        select(Redemption).where(Redemption.status == "awaiting_pickup", Redemption.expires_at <= now)
    ).all()
    expired = 0
    for redemption in overdue:
        if _settle(
            session,
            redemption,
            "expired",
            from_statuses=("awaiting_pickup",),
            actor_id=None,
            reason="逾期未领取",
        ):
            points.transfer(
                session,
                MARKET_ACCOUNT,
                user_account(redemption.member_id),
                redemption.points_spent,
                kind="refund",
                memo="兑换逾期未领取，积分退回",
                reference=f"redemption:{redemption.id}",
                idempotency_key=f"redemption-expired:{redemption.id}",
            )
            expired += 1
    return expired


# History --------------------------------------------------------------------------------


def my_redemptions(member: User):
    return select(Redemption).where(Redemption.member_id == member.id).order_by(Redemption.id.desc())


def get_mine(session: Session, member: User, redemption_id: int) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or redemption.member_id != member.id:
        raise NotFound()
    return redemption


def community_redemptions(
    session: Session,
    staff: User,
    *,
    location_id: int | None = None,
    reward_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
):
    """Staff's history, filtered by place, reward and period (``end`` exclusive)."""
    require_role(staff, *STAFF_ROLES)
    stmt = select(Redemption).where(Redemption.community_id == scope_of(session, staff).community_id)
    for column, value in ((Redemption.location_id, location_id), (Redemption.reward_id, reward_id)):
        if value:
            stmt = stmt.where(column == value)
    if start:
        stmt = stmt.where(Redemption.created_at >= start)
    if end:
        stmt = stmt.where(Redemption.created_at < end)
    return stmt.order_by(Redemption.id.desc())
