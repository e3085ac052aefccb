"""A community with order categories, a funded budget, staff, residents and volunteers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engage.auth.models import User
from engage.community.models import Community, MicroGrid
from engage.ledger.services import issue_budget
from engage.orders import categories, services


@dataclass
class World:
    community: Community
    micro_grid: MicroGrid
    admin: User
    staff: User
    resident: User
    volunteers: list[User]
    grid_worker: User


@pytest.fixture
def world(db, make) -> World:
    street = make.street()
    community = make.community(street)
    grid_worker = make.user("grid_worker", community=community)
    micro_grid = make.micro_grid(make.grid(community, grid_worker=grid_worker))
    admin = make.user("admin", street_id=street.id, community=community)
    staff = make.user("staff", community=community)
    resident = make.user("resident", community=community)
    resident.micro_grid_id = micro_grid.id
    volunteers = [make.user("volunteer", community=community) for _ in range(3)]
    categories.add_defaults(db.session, community.id)
    issue_budget(db.session, admin, community.id, 10_000, "订单预算")
    db.session.commit()
    return World(community, micro_grid, admin, staff, resident, volunteers, grid_worker)


@pytest.fixture
def place(db, world):
    """``place()`` → a committed order by the world's resident (category 助老, 30 points)."""

    def do(**kwargs):
        values = {"category": "elderly_care", "title": "陪同就医", "description": "周三上午", **kwargs}
        order = services.place_order(db.session, world.resident, **values)
        db.session.commit()
        return order

    return do


@pytest.fixture
def advance(db, world, place):
    """An order moved to a given status through the real services."""

    def do(status: str):
        order = place()
        volunteer = world.volunteers[0]
        steps = {
            "dispatched": lambda: services.dispatch_order(db.session, world.staff, order.id),
            "accepted": lambda: services.accept_order(db.session, volunteer, order.id),
            "completed": lambda: services.complete_order(db.session, volunteer, order.id, note="已完成"),
            "closed": lambda: services.rate_order(db.session, world.resident, order.id, stars=5),
        }
        for step in ("dispatched", "accepted", "completed", "closed"):
            if order.status == status:
                break
            order = steps[step]()
            db.session.commit()
        return order

    return do
