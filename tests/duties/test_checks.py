"""Who may see and confirm a household's 6 必清 checklist: its grid's worker, the community's
staff and the street's admins; other staff and workers get 404, other roles 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.duties import checks
from engage.duties.models import CHECK_ITEMS, HouseholdCheck
from engage.errors import Forbidden, NotFound
from tests.factories import reread, together


@pytest.fixture
def viewer(make, duty):
    """``viewer("name")`` → a user placed relative to the duty's household."""

    def admin_elsewhere():
        street = make.street()
        return make.user("admin", street_id=street.id, community=make.community(street))

    def do(name: str):
        build = {
            "grid worker": lambda: duty.worker,
            "staff": lambda: duty.staff,
            "street admin": lambda: duty.admin,
            "worker of another grid": lambda: (
                make.grid(
                    duty.community, grid_worker=make.user("grid_worker", community=duty.community)
                ).grid_worker
            ),
            "worker of another community": lambda: make.user("grid_worker"),
            "staff of another community": lambda: make.user("staff"),
            "admin of another street": admin_elsewhere,
            "resident": lambda: make.user("resident", community=duty.community),
            "volunteer": lambda: make.user("volunteer", community=duty.community),
            "property manager": lambda: make.user("property_manager", community=duty.community),
        }
        return build[name]()

    return do


ALLOWED = ["grid worker", "staff", "street admin"]
HIDDEN = [
    "worker of another grid",
    "worker of another community",
    "staff of another community",
    "admin of another street",
]
FORBIDDEN = ["resident", "volunteer", "property manager"]


@pytest.mark.parametrize("name", ALLOWED)
def test_the_grid_worker_staff_and_street_admin_see_and_confirm(db, duty, viewer, signed_in, name):
    user, household = viewer(name), duty.households[0]
    found, items = checks.checklist(db.session, user, household.id)
    assert found.id == household.id and set(items) == set(CHECK_ITEMS)
    client = signed_in(user)
    assert client.get(f"/duties/households/{household.id}").status_code == 200
    assert client.post(f"/duties/households/{household.id}", data={"item": "needs"}).status_code == 302
    assert db.session.scalar(select(HouseholdCheck.confirmed_by_id)) == user.id


@pytest.mark.parametrize(
    "name, error, status", [*[(n, NotFound, 404) for n in HIDDEN], *[(n, Forbidden, 403) for n in FORBIDDEN]]
)
def test_everyone_else_is_refused_and_confirms_nothing(db, duty, viewer, signed_in, name, error, status):
    user, household = viewer(name), duty.households[0]
    with pytest.raises(error):
        checks.checklist(db.session, user, household.id)
    client = signed_in(user)
    assert client.get(f"/duties/households/{household.id}").status_code == status
    assert client.post(f"/duties/households/{household.id}", data={"item": "needs"}).status_code == status
    assert db.session.scalar(select(func.count()).select_from(HouseholdCheck)) == 0


@pytest.mark.concurrency
def test_one_item_confirmed_at_once_is_one_row_and_no_error(app, db, duty):
    """It was read-then-insert: the second of two at once failed on the unique constraint."""
    worker_id, household_id = duty.worker.id, duty.households[0].id
    results = together(
        app,
        [
            lambda session, i=i: checks.confirm(
                session, session.get(type(duty.worker), worker_id), household_id, "basic", note=f"第{i}次"
            )
            for i in range(6)
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)]
    reread(db.session)
    assert db.session.scalar(select(func.count()).select_from(HouseholdCheck)) == 1
