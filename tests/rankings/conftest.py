"""A street with property companies, their compounds and micro-grids, and small factories
for orders in those compounds and for the companies' staff's service hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engage.activities.models import Activity, Enrollment
from engage.community.models import Compound, MicroGrid
from engage.orders.categories import add_defaults
from engage.orders.models import OrderCategory, OrderEvent, ServiceOrder

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
