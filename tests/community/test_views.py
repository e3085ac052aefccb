"""Hierarchy pages and the API: scoping through HTML and JSON, posters, masking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.community.models import Grid


@pytest.fixture
def two_communities(make):
    """Staff of community A, and a household, grid and micro-grid in community B."""
    staff = make.user("staff")
    foreign_micro_grid = make.micro_grid()
    return staff, foreign_micro_grid, make.household(foreign_micro_grid)


@pytest.mark.parametrize(
    "url",
    [
        "/community/grids/{grid}",
        "/community/micro_grids/{mg}",
        "/community/households/{hh}",
        "/community/micro_grids/{mg}/poster",
    ],
)
def test_html_other_community_is_404(client, login, two_communities, url):
    staff, micro_grid, household = two_communities
    login(staff)
    url = url.format(grid=micro_grid.grid_id, mg=micro_grid.id, hh=household.id)
    assert client.get(url).status_code == 404
    assert client.post(url.replace("/poster", ""), data={"name": "hijack"}).status_code in (404, 405)


@pytest.mark.parametrize("path", ["grids/{grid}", "micro-grids/{mg}", "households/{hh}"])
def test_api_other_community_is_404(api, two_communities, path):
    staff, micro_grid, household = two_communities
    api.as_user(staff)
    path = path.format(grid=micro_grid.grid_id, mg=micro_grid.id, hh=household.id)
    response = api.get(f"/api/v1/hierarchy/{path}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_api_list_is_scoped_and_masked(api, make):
    staff = make.user("staff")
    household = make.household(make.micro_grid(make.grid(staff.community)))
    make.household()
    listing = api.as_user(staff).get("/api/v1/hierarchy/households?per_page=5").json
    assert listing["total"] == 1 and listing["page"] == 1 and listing["per_page"] == 5
    items = listing["items"]
    assert [i["id"] for i in items] == [household.id]
    assert items[0]["head_name"] == "张*明" and items[0]["phone"] == "138****5678"
    full = api.get(f"/api/v1/hierarchy/households/{household.id}").json
    assert full["head_name"] == "张三明" and full["phone"] == "13812345678"


def test_api_forbidden_for_residents(api, make):
    response = api.as_user(make.user("resident")).get("/api/v1/hierarchy/grids")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_household_list_is_masked(client, login, make):
    staff = make.user("staff")
    make.household(make.micro_grid(make.grid(staff.community)))
    login(staff)
    page = client.get("/community/households/").get_data(as_text=True)
    assert "张*明" in page and "138****5678" in page and "13812345678" not in page


def test_staff_creates_and_edits_a_grid(client, db, login, make):
    staff = make.user("staff")
    login(staff)
    response = client.post(
        "/community/grids/new",
        data={"community_id": staff.community_id, "name": "新网格", "grid_worker_id": 0},
    )
    assert response.status_code == 302
    grid = db.session.scalar(select(Grid).where(Grid.name == "新网格"))
    client.post(
        f"/community/grids/{grid.id}",
        data={"community_id": staff.community_id, "name": "改名网格", "grid_worker_id": 0},
    )
    db.session.expire_all()
    assert db.session.get(Grid, grid.id).name == "改名网格"


def test_form_refuses_foreign_community_and_changes_nothing(client, db, login, make):
    staff = make.user("staff")
    foreign = make.community()
    login(staff)
    response = client.post(
        "/community/grids/new", data={"community_id": foreign.id, "name": "越权", "grid_worker_id": 0}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Grid).where(Grid.name == "越权")) is None


def test_poster_qr_opens_the_micro_grid_page(client, login, make):
    staff = make.user("staff")
    micro_grid = make.micro_grid(make.grid(staff.community))
    login(staff)
    page = client.get(f"/community/micro_grids/{micro_grid.id}/poster").get_data(as_text=True)
    assert "<svg" in page
    url = page.split('class="muted small url">')[1].split("<")[0]
    client.post("/logout")
    landing = client.get(url.replace("http://engage.test", ""))
    assert landing.status_code == 200 and f'data-micro-grid="{micro_grid.id}"' in landing.get_data(
        as_text=True
    )
    assert client.get("/community/m/forged-token").status_code == 404


def test_api_list_pages_and_refuses_bad_paging(api, make):
    staff = make.user("staff")
    for _ in range(3):
        make.grid(staff.community)
    api.as_user(staff)
    second = api.get("/api/v1/hierarchy/grids?page=2&per_page=2").json
    assert second["total"] == 3 and len(second["items"]) == 1
    bad = api.get("/api/v1/hierarchy/grids?per_page=101")
    assert bad.status_code == 400 and "per_page" in bad.json["error"]["fields"]


def test_html_list_pages(client, login, make):
    staff = make.user("staff")
    micro_grid = make.micro_grid(make.grid(staff.community))
    for _ in range(51):
        make.household(micro_grid)
    login(staff)
    first = client.get("/community/households/").get_data(as_text=True)
    assert "共 51 条" in first and "1 / 2" in first
    assert client.get("/community/households/?page=2").get_data(as_text=True).count("<tr>") == 2


@pytest.mark.parametrize("path", ["/community/streets/", "/community/users/new", "/community/nothing/1"])
def test_an_unknown_level_matches_no_page(client, login, make, path):
    login(make.user("staff"))
    assert client.get(path).status_code == 404
