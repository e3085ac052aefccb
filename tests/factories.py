"""Small factory helpers: each builds one object with sensible defaults and commits."""

from __future__ import annotations

import itertools
import re
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.services import create_user
from engage.community.models import (
    Community,
    Compound,
    District,
    Grid,
    Household,
    MicroGrid,
    PropertyCompany,
    Street,
)
from engage.extensions import db as _db
from engage.rankings.scoring import add_default_criteria
from engage.units.models import Department, Unit

PASSWORD = "correct-horse-42"
DATA_KEY = "zIwu-xDkdBLTdm1opnc2FKMXae7ugES40i7GUZrg4Mo="  # the test apps' DATA_ENCRYPTION_KEY (a Fernet key)
_seq = itertools.count(1)


class Factory:
    def __init__(self, session: Session):
        self.session = session

    def _save(self, row):
        self.session.add(row)
        self.session.commit()
        return row

    def district(self, name: str | None = None) -> District:
        return self._save(District(name=name or f"区{next(_seq)}"))

    def street(self, name: str | None = None, district: District | None = None) -> Street:
        street = self._save(Street(district=district or self.district(), name=name or f"街道{next(_seq)}"))
        add_default_criteria(self.session, street.id)
        self.session.commit()
        return street

    def community(self, street: Street | None = None, name: str | None = None) -> Community:
        return self._save(Community(street=street or self.street(), name=name or f"社区{next(_seq)}"))

    def grid(self, community: Community | None = None, grid_worker=None) -> Grid:
        community = community or self.community()
        return self._save(
            Grid(
                community_id=community.id,
                name=f"网格{next(_seq)}",
                grid_worker_id=grid_worker.id if grid_worker else None,
            )
        )

    def micro_grid(self, grid: Grid | None = None) -> MicroGrid:
        grid = grid or self.grid()
        return self._save(
            MicroGrid(grid_id=grid.id, community_id=grid.community_id, name=f"微网格{next(_seq)}")
        )

    def household(self, micro_grid: MicroGrid | None = None, **fields) -> Household:
        micro_grid = micro_grid or self.micro_grid()
        values = {
            "address": f"{next(_seq)}号",
            "head_name": "张三明",
            "phone": "13812345678",
            "size": 3,
            **fields,
        }
        return self._save(
            Household(micro_grid_id=micro_grid.id, community_id=micro_grid.community_id, **values)
        )

    def company(self, street: Street | None = None) -> PropertyCompany:
        return self._save(
            PropertyCompany(street_id=(street or self.street()).id, name=f"物业公司{next(_seq)}")
        )

    def compound(self, community: Community | None = None, company=None) -> Compound:
        community = community or self.community()
        return self._save(
            Compound(
                community_id=community.id,
                name=f"小区{next(_seq)}",
                property_company_id=company.id if company else None,
            )
        )

    def department(self, district: District | None = None, name: str | None = None) -> Department:
        return self._save(Department(district=district or self.district(), name=name or f"部门{next(_seq)}"))

    def unit(self, row) -> Unit:
        """The unit a department, street, community, grid or property company stands for."""
        kind = {Department: "department", Street: "street", Community: "community", Grid: "grid"}.get(
            type(row), "property_company"
        )
        return self.session.scalars(select(Unit).where(getattr(Unit, f"{kind}_id") == row.id)).one()

    def user(
        self,
        *roles: str,
        community: Community | None = None,
        username: str | None = None,
        password: str = PASSWORD,
        **fields,
    ):
        roles = roles or ("resident",)
        department_id = fields.pop("department_id", None)  # set by attaching, not at creation
        if community is None and not {"admin", "district_admin", "department"} & set(roles):
            community = self.community()
        n = next(_seq)
        user = create_user(
            self.session,
            username=username or f"user{n}",
            password=password,
            display_name=f"用户{n}",
            roles=list(roles),
            community_id=community.id if community else None,
            **fields,
        )
        user.department_id = department_id
        self.session.commit()
        return user


def reread(session: Session) -> None:
    """Forget this session's snapshot and loaded objects: read what other threads committed."""
    session.rollback()
    session.expire_all()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url``, as a browser would submit it."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


class ApiClient:
    def __init__(self, client):
        self.client = client
        self.headers: dict[str, str] = {}

    def as_user(self, user, password: str = PASSWORD) -> ApiClient:
        response = self.client.post(
            "/api/v1/auth/token", json={"username": user.username, "password": password}
        )
        assert response.status_code == 200, response.json
        self.headers = {"Authorization": f"Bearer {response.json['token']}"}
        return self

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, url: str, **kwargs):
        return self.client.post(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


def together(app, calls):
    """Run each ``call(session)`` in its own thread and app context, all at once."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = call(_db.session)
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - inspected by the test
                _db.session.rollback()
                results[i] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
