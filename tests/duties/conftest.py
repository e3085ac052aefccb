"""A community with a grid, its grid worker, households, staff and an admin; a target factory."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from engage.community.models import Grid
from engage.duties import care
from engage.duties.schedule import next_due
from tests.factories import DATA_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def duty(db, make):
    street = make.street()
    community = make.community(street)
    worker = make.user("grid_worker", community=community)
    grid = make.grid(community, grid_worker=worker)
    micro = make.micro_grid(grid)
    households = [make.household(micro) for _ in range(2)]
    staff = make.user("staff", community=community)
    admin = make.user("admin", street_id=street.id, community=community)
    db.session.commit()
    return SimpleNamespace(
        community=community,
        grid=grid,
        worker=worker,
        staff=staff,
        admin=admin,
        households=households,
        micro=micro,
    )


@pytest.fixture
def target(db, duty):
    """``target(category="elderly_alone", created_at=…, grid=…, by=…, **fields)`` → committed, assigned to the
    grid's worker, registered by the community's staff unless ``by`` someone else."""

    def do(
        category: str = "elderly_alone",
        created_at: datetime | None = None,
        grid: Grid | None = None,
        by=None,
        **fields,
    ):
        found = care.register_target(
            db.session,
            by or duty.staff,
            grid_id=(grid or duty.grid).id,
            category=category,
            name=fields.pop("name", "张三明"),
            phone=fields.pop("phone", "13812345678"),
            zone=SHANGHAI,
            key=DATA_KEY,
            **fields,
        )
        if created_at is not None:
            found.created_at = created_at
            found.next_visit_due = next_due(
                None, care.frequency_of(db.session, found), SHANGHAI, now=created_at
            )
        db.session.commit()
        return found

    return do
