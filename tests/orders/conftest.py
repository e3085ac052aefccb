"""A community with order categories, a funded budget, staff, residents and volunteers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engage.auth.models import User
from engage.community.models import Community, MicroGrid
from engage.ledger.services import issue_budget
from engage.orders import categories, routing, services
from engage.units.models import Unit


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


@dataclass
class Units:
    """The world's district: its command centre, three departments (城管 with two members, 住建
    with one, 供电 with none) and, in another district, a command centre and a department member."""

    centre: User
    city: Unit
    housing: Unit
    power: Unit
    member: User
    member2: User
    housing_member: User
    other_centre: User
    other_member: User


@pytest.fixture
def units(make, world) -> Units:
    district = world.community.street.district
    city, housing = make.department(district, "城管"), make.department(district, "住建")
    other = make.district()
    return Units(
        centre=make.user("district_admin", district_id=district.id),
        city=make.unit(city),
        housing=make.unit(housing),
        power=make.unit(make.department(district, "供电")),
        member=make.user("department", department_id=city.id),
        member2=make.user("department", department_id=city.id),
        housing_member=make.user("department", department_id=housing.id),
        other_centre=make.user("district_admin", district_id=other.id),
        other_member=make.user("department", department_id=make.department(other, "城管").id),
    )


UNIT_STEPS = ("assigned", "signed", "replied", "closed")


@pytest.fixture
def route(db, world, units, place):
    """An order moved along the unit path to a given status through the real services:
    the command centre assigns it to 城管, a member signs and replies, the centre calls back.
    ``whistle``: community staff whistle 住建 in once it is assigned; ``extension``: the
    member asks for 48 more hours once it is signed (left pending)."""

    def do(status: str, *, whistle: bool = False, extension: bool = False):
        order = place(category="repair", title="路灯不亮", description="3号楼前")
        steps = {
            "assigned": lambda: routing.assign_order(
                db.session, units.centre, order.id, unit_id=units.city.id
            ),
            "signed": lambda: routing.sign_order(db.session, units.member, order.id),
            "replied": lambda: routing.reply_order(db.session, units.member, order.id, result="已更换灯泡"),
            "closed": lambda: routing.callback_order(
                db.session, units.centre, order.id, satisfaction="satisfied", note="居民满意"
            ),
        }
        extras = {
            "assigned": lambda: (
                whistle
                and routing.whistle_order(
                    db.session, world.staff, order.id, unit_ids=[units.housing.id], report_hours=24
                )
            ),
            "signed": lambda: (
                extension
                and routing.request_extension(db.session, units.member, order.id, hours=48, reason="等配件")
            ),
        }
        for step in UNIT_STEPS:
            if order.status == status:
                break
            order = steps[step]()
            extras.get(step, lambda: None)()
            db.session.commit()
        return order

    return do
