"""A street with property companies, their compounds and micro-grids, and small factories
for orders in those compounds and for the companies' staff's service hours; and, for the
units' rankings, the unit path's district (tests/orders/conftest.py) with a history of
requests worked through the real services."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engage.activities.models import Activity, Enrollment
from engage.community.models import Compound, MicroGrid
from engage.orders import routing
from engage.orders.categories import add_defaults
from engage.orders.models import OrderCategory, OrderEvent, ServiceOrder
from tests.orders import conftest as unit_path

# The unit path's district and its fixtures, shared with tests/orders.
world, units, place = unit_path.world, unit_path.units, unit_path.place
SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 10, 9, tzinfo=SHANGHAI)


@pytest.fixture
def street(db, make):
    street = make.street()
    community = make.community(street)
    add_defaults(db.session, community.id)
    admin = make.user("admin", street_id=street.id, community=community)
    staff = make.user("staff", community=community)
    resident = make.user("resident", community=community)
    db.session.commit()
    return SimpleNamespace(street=street, community=community, admin=admin, staff=staff, resident=resident)


@pytest.fixture
def company(db, make, street):
    """``company()`` → a property company with one compound and one micro-grid in it."""

    def do():
        found = make.company(street.street)
        compound = make.compound(street.community, company=found)
        micro = make.micro_grid(make.grid(street.community))
        micro.compound_id = compound.id
        db.session.commit()
        return found

    return do


@pytest.fixture
def order(db, street):
    """``order(company, rating=5, on_time=True, category="repair", at=OCTOBER)``:
    closed (or, unrated, open)."""

    def do(company, *, rating: int | None = 5, on_time: bool = True, category: str = "repair", at=OCTOBER):
        micro_id = db.session.scalar(
            select(MicroGrid.id)
            .join(Compound, Compound.id == MicroGrid.compound_id)
            .where(Compound.property_company_id == company.id)
        )
        category_id = db.session.scalar(
            select(OrderCategory.id).where(
                OrderCategory.community_id == street.community.id, OrderCategory.code == category
            )
        )
        placed = ServiceOrder(
            community_id=street.community.id,
            micro_grid_id=micro_id,
            category_id=category_id,
            title="服务",
            requester_id=street.resident.id,
            placed_by_id=street.resident.id,
            status="closed" if rating else "placed",
            rating=rating,
            created_at=at,
            dispatch_by=at + timedelta(days=1),
            resolve_by=at + timedelta(days=9),
        )
        db.session.add(placed)
        db.session.flush()
        if rating:
            closed = placed.resolve_by + (timedelta(hours=-1) if on_time else timedelta(hours=5))
            db.session.add(OrderEvent(order_id=placed.id, kind="rate", status="closed", at=closed))
        db.session.commit()
        return placed

    return do


@pytest.fixture
def served(db, make, street):
    """``served(company, minutes)``: a manager of the company with that much credited service in October."""

    def do(company, minutes: int):
        manager = make.user("property_manager", community=street.community, property_company_id=company.id)
        activity = Activity(
            community_id=street.community.id,
            kind="civilization",
            title="文明创建",
            location="小区",
            starts_at=OCTOBER,
            ends_at=OCTOBER + timedelta(hours=12),
            capacity=5,
            enrolled=1,
            points_per_hour=0,
            created_by_id=street.staff.id,
        )
        db.session.add(activity)
        db.session.flush()
        db.session.add(
            Enrollment(
                activity_id=activity.id,
                volunteer_id=manager.id,
                status="enrolled",
                minutes=minutes,
                points_awarded=0,
            )
        )
        db.session.commit()
        return manager

    return do


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# When the history is read: noon on 1 December 2026, Shanghai.
READ_AT = local(12, 1, 12)


@pytest.fixture
def history(db, make, world, units, place):
    """Requests of the units' district in October and November 2026 (Shanghai; repair: sign
    within 24 h, resolve within 7 days), each ``(service, actor, at, arguments)`` in turn.

    城管 in November: A signed and replied in time, 满意; B signed in time, replied after 8
    days (late), no callback; C returned; D signed and replied in time, 不满意 (重办), not
    signed again (past its new sign_by on 9 November). 住建: E in November, signed and
    replied in time after asking a 延期, no callback; F in October, signed and replied in
    time, 不满意 (重办), not signed again. The community (staff's unit): G returned.
    供电: nothing."""
    centre, member, keeper = units.centre, units.member, units.housing_member
    city, housing = {"unit_id": units.city.id}, {"unit_id": units.housing.id}
    community = {"unit_id": make.unit(world.community).id}
    assign, sign, reply = routing.assign_order, routing.sign_order, routing.reply_order
    callback, return_, extend = routing.callback_order, routing.return_order, routing.request_extension
    orders = {}

    def walk(name: str, placed: datetime, *steps):
        order = place(category="repair", title=f"诉求{name}", now=placed)
        for service, actor, at, kwargs in steps:
            service(db.session, actor, order.id, now=at, **kwargs)
            db.session.commit()
        orders[name] = order

    walk(
        "A",
        local(11, 2, 9),
        (assign, centre, local(11, 2, 10), city),
        (sign, member, local(11, 2, 13), {}),
        (reply, member, local(11, 4, 10), {"result": "已修"}),
        (callback, centre, local(11, 5, 10), {"satisfaction": "satisfied"}),
    )
    walk(
        "B",
        local(11, 3, 9),
        (assign, centre, local(11, 3, 10), city),
        (sign, member, local(11, 3, 12), {}),
        (reply, member, local(11, 11, 10), {"result": "已修"}),
    )
    walk(
        "C",
        local(11, 5, 9),
        (assign, centre, local(11, 5, 10), city),
        (return_, member, local(11, 5, 12), {"reason": "不属于城管"}),
    )
    walk(
        "D",
        local(11, 6, 9),
        (assign, centre, local(11, 6, 10), city),
        (sign, member, local(11, 6, 11), {}),
        (reply, member, local(11, 7, 10), {"result": "已修"}),
        (callback, centre, local(11, 8, 10), {"satisfaction": "unsatisfied"}),
    )
    walk(
        "E",
        local(11, 7, 9),
        (assign, centre, local(11, 7, 10), housing),
        (sign, keeper, local(11, 7, 11), {}),
        (extend, keeper, local(11, 7, 12), {"hours": 24, "reason": "等配件"}),
        (reply, keeper, local(11, 8, 10), {"result": "已修"}),
    )
    walk(
        "F",
        local(10, 20, 9),
        (assign, centre, local(10, 20, 10), housing),
        (sign, keeper, local(10, 20, 11), {}),
        (reply, keeper, local(10, 21, 10), {"result": "已修"}),
        (callback, centre, local(10, 25, 10), {"satisfaction": "unsatisfied"}),
    )
    walk(
        "G",
        local(11, 9, 9),
        (assign, centre, local(11, 9, 10), community),
        (return_, world.staff, local(11, 9, 11), {"reason": "居民已自行解决"}),
    )
    return orders
