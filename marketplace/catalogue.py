"""The catalogue: rewards, the places that stock them, merchants, and stock movements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import Update, and_, bindparam, exists, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Invalid, NotFound
from engage.persistence import upsert
from engage.scope import scope_of
from engage.validation import text, whole
from marketplace.models import CATEGORIES, LIMIT_PERIODS, Location, Merchant, Reward, Stock, StockMovement
from points.base import utcnow

MAX_PRICE = 1_000_000
MAX_STOCK_CHANGE = 100_000
_STOCKS = inspect(Stock)


class OutOfStock(Conflict):
    code = "out_of_stock"


# Locations and merchants -----------------------------------------------------------------


def find_counter(session: Session, community_id: int) -> Location | None:
    """The community's service-centre counter, where online redemptions are picked up."""
    return session.scalar(
        select(Location)
        .where(Location.community_id == community_id, Location.kind == "counter")
        .order_by(Location.id)
    )


def counter(session: Session, community_id: int) -> Location:
    """The counter, opened by the first write that stocks or sells there (one per community:
    a unique index, not the read, keeps two first writes at once from opening two; the read
    only spares a page that lists it an INSERT once it exists)."""
    return find_counter(session, community_id) or upsert(
        session,
        Location,
        {"community_id": community_id},
        where=Location.kind == "counter",
        new={"kind": "counter", "name": str(_("社区服务中心"))},
    )


def add_kiosk(session: Session, actor: User, *, name: str, kiosk_user_id: int) -> Location:
    """Register a kiosk device (an account with the kiosk role) as a stock location."""
    require_role(actor, *STAFF_ROLES)
    device = session.get(User, kiosk_user_id)
    if (
        device is None
        or not device.has_role("kiosk")
        or device.community_id != scope_of(session, actor).community_id
    ):
        raise Invalid.field("kiosk_user_id", _("请选择本社区的兑换机账号。"))
    if session.scalar(select(Location.id).where(Location.kiosk_user_id == device.id)):
        raise Invalid.field("kiosk_user_id", _("该兑换机已登记。"))
    location = Location(
        community_id=scope_of(session, actor).community_id,
        kind="kiosk",
        name=text(name, "name", 60),
        kiosk_user_id=device.id,
    )
    session.add(location)
    session.flush()
    return location


def kiosk_location(session: Session, device: User) -> Location:
    """The location a kiosk device stands at; a kiosk account not registered yet cannot sell."""
    location = session.scalar(select(Location).where(Location.kiosk_user_id == device.id))
    if location is None:
        raise NotFound(str(_("该兑换机尚未登记到任何地点，请联系社区工作者。")))
    return location


def locations(session: Session, actor: User) -> list[Location]:
    counter(session, scope_of(session, actor).community_id)
    return list(
        session.scalars(
            select(Location)
            .where(Location.community_id == scope_of(session, actor).community_id)
            .order_by(Location.kind, Location.id)
        )
    )


def add_merchant(session: Session, actor: User, *, name: str, contact: str = "") -> Merchant:
    require_role(actor, *STAFF_ROLES)
    merchant = Merchant(
        community_id=scope_of(session, actor).community_id,
        name=text(name, "name", 80),
        contact=text(contact, "contact", 80, required=False),
    )
    session.add(merchant)
    session.flush()
    return merchant


def merchants(session: Session, actor: User) -> list[Merchant]:
    return list(
        session.scalars(
            select(Merchant)
            .where(Merchant.community_id == scope_of(session, actor).community_id)
            .order_by(Merchant.name)
        )
    )


# Rewards ------------------------------------------------------------------------------


def _reward_fields(
    session: Session,
    actor: User,
    *,
    name,
    price_points,
    category="goods",
    description="",
    merchant_id=None,
    limit_per_person=None,
    limit_period=None,
    active_from=None,
    active_until=None,
    active=True,
    picture=None,
) -> dict:
    if category not in CATEGORIES:
        raise Invalid.field("category", _("未知的类别。"))
    if merchant_id is not None:
        scope_of(session, actor).own(session, Merchant, whole(merchant_id, "merchant_id", 1, 2**31 - 1))
    if limit_per_person is not None:
        whole(limit_per_person, "limit_per_person", 1, 1000)
        if limit_period not in LIMIT_PERIODS:
            raise Invalid.field("limit_period", _("请选择限购周期（每月或每年）。"))
    if active_from and active_until and active_until <= active_from:
        raise Invalid.field("active_until", _("下架时间必须晚于上架时间。"))
    kept = {"picture": picture} if picture else {}
    return dict(
        **kept,
        name=text(name, "name", 60),
        price_points=whole(price_points, "price_points", 1, MAX_PRICE),
        category=category,
        description=text(description, "description", 2000, required=False),
        merchant_id=merchant_id,
        limit_per_person=limit_per_person,
        limit_period=limit_period if limit_per_person else None,
        active_from=active_from,
        active_until=active_until,
        active=bool(active),
    )


def create_reward(session: Session, actor: User, *, stock: int = 0, **fields) -> Reward:
    """A new reward; initial ``stock`` goes to the service-centre counter."""
    require_role(actor, *STAFF_ROLES)
    reward = Reward(
        community_id=scope_of(session, actor).community_id, **_reward_fields(session, actor, **fields)
    )
    session.add(reward)
    session.flush()
    if whole(stock, "stock", 0, MAX_STOCK_CHANGE):
        restock(
            session,
            actor,
            reward.id,
            counter(session, scope_of(session, actor).community_id).id,
            stock,
            note="首批入库",
        )
    return reward


def update_reward(session: Session, actor: User, reward_id: int, **fields) -> Reward:
    require_role(actor, *STAFF_ROLES)
    reward = scope_of(session, actor).own(session, Reward, reward_id)
    for key, value in _reward_fields(session, actor, **fields).items():
        setattr(reward, key, value)
    session.flush()
    return reward


def get_reward(session: Session, actor: User, reward_id: int) -> Reward:
    return scope_of(session, actor).own(session, Reward, reward_id)


def on_sale(reward: Reward, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        reward.active
        and (reward.active_from is None or reward.active_from <= now)
        and (reward.active_until is None or now < reward.active_until)
    )


def _on_sale_clause(now):
    """``on_sale`` in SQL: what the mall lists, and what a sale checks again as it writes."""
    columns = Reward.__table__.c
    return and_(
        columns.active.is_(True),
        or_(columns.active_from.is_(None), columns.active_from <= now),
        or_(columns.active_until.is_(None), columns.active_until > now),
    )


@dataclass(frozen=True)
class Offer:
    reward: Reward
    stock: int


def offers(
    session: Session, actor: User, *, location_id: int | None = None, include_inactive: bool = False
) -> list[Offer]:
    """Rewards of the caller's community with stock (at one location, or in all of them)."""
    in_stock = select(Stock.reward_id, func.sum(Stock.quantity).label("quantity")).group_by(Stock.reward_id)
    if location_id is not None:
        in_stock = in_stock.where(Stock.location_id == location_id)
    in_stock = in_stock.subquery()
    stmt = (
        select(Reward, func.coalesce(in_stock.c.quantity, 0))
        .outerjoin(in_stock, in_stock.c.reward_id == Reward.id)
        .where(Reward.community_id == scope_of(session, actor).community_id)
        .order_by(Reward.price_points, Reward.id)
    )
    if not include_inactive:
        stmt = stmt.where(_on_sale_clause(utcnow()))
    return [Offer(reward, quantity) for reward, quantity in session.execute(stmt)]


# Stock --------------------------------------------------------------------------------


def _location(session: Session, actor: User, location_id: int) -> Location:
    return scope_of(session, actor).own(session, Location, location_id)


def restock(
    session: Session, actor: User, reward_id: int, location_id: int, delta: int, *, note: str = ""
) -> Stock:
    """Staff add (or, with a negative delta and a note, remove) stock at one location."""
    require_role(actor, *STAFF_ROLES)
    reward, location = get_reward(session, actor, reward_id), _location(session, actor, location_id)
    delta = whole(delta, "delta", -MAX_STOCK_CHANGE, MAX_STOCK_CHANGE)
    if delta == 0:
        raise Invalid.field("delta", _("数量不能为0。"))
    if delta < 0 and not note.strip():
        raise Invalid.field("note", _("减少库存请填写原因。"))
    if session.get(Stock, (reward.id, location.id)) is None:
        session.add(Stock(reward_id=reward.id, location_id=location.id, quantity=0))
        session.flush()
    left = move_stock(
        session,
        reward.id,
        location.id,
        delta,
        reason="restock" if delta > 0 else "adjust",
        note=note,
        actor_id=actor.id,
    )
    if left is None:
        raise OutOfStock(str(_("库存不足，不能减少这么多。")))
    return session.get(Stock, (reward.id, location.id))


def move_stock(
    session: Session,
    reward_id: int,
    location_id: int,
    delta: int,
    *,
    reason: str,
    note: str = "",
    actor_id: int | None = None,
    redemption_id: int | None = None,
) -> int | None:
    """Change stock and record why; returns the quantity the database now has, or None
    (and nothing changed) if it would go below zero."""
    if (left := take_stock(session, reward_id, location_id, -delta)) is None:
        return None
    record_movement(
        session,
        reward_id,
        location_id,
        delta,
        reason=reason,
        note=note,
        actor_id=actor_id,
        redemption_id=redemption_id,
    )
    return left


_stock = Stock.__table__
_TAKE = (
    update(_stock)
    .where(
        _stock.c.reward_id == bindparam("reward"),
        _stock.c.location_id == bindparam("location"),
        _stock.c.quantity >= bindparam("taken"),
    )
    .values(quantity=_stock.c.quantity - bindparam("taken"))
    .returning(_stock.c.quantity)
)
_SELL = _TAKE.where(
    exists().where(
        Reward.id == bindparam("reward"),
        Reward.price_points == bindparam("price"),
        _on_sale_clause(bindparam("now")),
    )
)


def take_stock(session: Session, reward_id: int, location_id: int, quantity: int) -> int | None:
    """One conditional UPDATE: the stock never goes below zero, however many ask at once.
    Returns the quantity the database now has, or None if there was too little."""
    return _take(session, _TAKE, {"reward": reward_id, "location": location_id, "taken": quantity})


def sell_stock(
    session: Session, reward_id: int, location_id: int, quantity: int, *, price: int, now: datetime
) -> int | None:
    """Take stock only while the reward is on sale at ``price``: the buyer's terms were read
    before the write transaction, and staff may have changed them since."""
    return _take(
        session,
        _SELL,
        {"reward": reward_id, "location": location_id, "taken": quantity, "price": price, "now": now},
    )


def _take(session: Session, statement: Update, values: dict) -> int | None:
    """Run a conditional UPDATE of one stock row (a Core statement, built once, on the
    session's Connection: it loads no ORM objects); a Stock the session has loaded is
    expired, so that it is read again rather than left stale."""
    session.flush()  # the statement must see the session's pending changes
    left = session.connection().scalar(statement, values)
    if left is not None and (
        loaded := session.identity_map.get(
            _STOCKS.identity_key_from_primary_key((values["reward"], values["location"]))
        )
    ):
        session.expire(loaded)
    return left


def record_movement(
    session: Session,
    reward_id: int,
    location_id: int,
    delta: int,
    *,
    reason: str,
    note: str = "",
    actor_id: int | None = None,
    redemption_id: int | None = None,
) -> None:
    session.add(
        StockMovement(
            reward_id=reward_id,
            location_id=location_id,
            delta=delta,
            reason=reason,
            note=note[:200],
            actor_id=actor_id,
            redemption_id=redemption_id,
        )
    )


def stock_levels(session: Session, actor: User, reward_id: int) -> list[tuple[Location, int]]:
    reward = get_reward(session, actor, reward_id)
    levels = dict(
        session.execute(select(Stock.location_id, Stock.quantity).where(Stock.reward_id == reward.id)).all()
    )
    return [(location, levels.get(location.id, 0)) for location in locations(session, actor)]


def movements(session: Session, actor: User, reward_id: int, limit: int = 100) -> list[StockMovement]:
    reward = get_reward(session, actor, reward_id)
    return list(
        session.scalars(
            select(StockMovement)
            .where(StockMovement.reward_id == reward.id)
            .order_by(StockMovement.id.desc())
            .limit(limit)
        )
    )
