"""Lists count their rows up to ``COUNT_LIMIT``: beyond it the total is a lower bound, said so
in the API (``total_exact``) and on the pages ("超过 N 条", a next page while rows remain)."""

from engage import pagination


def test_a_list_within_the_limit_has_an_exact_total(api, make, db):
    staff = make.user("staff")
    for _ in range(3):
        make.grid(community=staff.community)
    db.session.commit()
    api.as_user(staff)
    listing = api.get("/api/v1/hierarchy/grids?per_page=2").json
    assert (listing["total"], listing["total_exact"], len(listing["items"])) == (3, True, 2)


def test_beyond_the_limit_the_total_is_a_lower_bound(api, make, db, monkeypatch, login, client):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)
    staff = make.user("staff")
    for n in range(4):
        make.user("resident", community=staff.community, username=f"resident{n}")
    db.session.commit()
    for _ in range(3):
        make.grid(community=staff.community)
    db.session.commit()
    api.as_user(staff)
    listing = api.get("/api/v1/hierarchy/grids?per_page=2&page=2").json
    assert (listing["total"], listing["total_exact"], len(listing["items"])) == (2, False, 1)
    login(staff)
    page = client.get("/users?page=1").get_data(as_text=True)
    assert "超过 2 条" in page


def test_an_inexact_page_that_is_full_has_a_next_one():
    full, short = [1, 2], [1]
    assert pagination.Page(full, 2, 1, 2, exact=False).has_next
    assert not pagination.Page(short, 2, 2, 2, exact=False).has_next
    assert not pagination.Page(full, 2, 1, 2).has_next
