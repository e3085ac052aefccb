"""The import page with CSRF on: template download, upload → preview → confirm, and scope."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engage.auth.models import User
from engage.imports.models import ImportRun, StagedImport
from tests.factories import PASSWORD, csrf_token
from tests.imports.conftest import xlsx

RESIDENTS = xlsx(
    ["姓名", "手机号", "微网格"], ["王小明", "13800001112", "1-1微网格"], ["李四", "13800001113", ""]
)


@pytest.fixture
def browser(make_app):
    """``browser(user)``: a client of a CSRF-protected app, logged in through the form."""
    app = make_app(WTF_CSRF_ENABLED=True)

    def do(user):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        return client

    return do


def _preview(client, data: bytes, community_id: int, filename: str = "居民.xlsx", kind: str = "residents"):
    return client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/imports/"),
            "kind": kind,
            "community_id": str(community_id),
            "file": (BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def _confirm_token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def _residents(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.phone.like("1380000%")))


def test_upload_preview_confirm(db, place, browser):
    client = browser(place.staff)
    page = client.get("/imports/").get_data(as_text=True)
    assert "/imports/templates/households.xlsx" in page and "按手机号匹配" in page
    preview = _preview(client, RESIDENTS, place.community.id)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert re.search(r'data-test="created">2<', text) and 'data-test="confirm"' in text
    assert _residents(db) == 0  # a preview writes nothing but the staged file
    token = _confirm_token(text)
    response = client.post(
        "/imports/confirm", data={"csrf_token": csrf_token(client, "/imports/"), "token": token}
    )
    assert response.status_code == 302
    assert _residents(db) == 2
    run = db.session.scalar(select(ImportRun))
    assert (run.actor_id, run.kind, run.created, run.community_id) == (
        place.staff.id,
        "residents",
        2,
        place.community.id,
    )
    assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0
    again = _preview(client, RESIDENTS, place.community.id).get_data(as_text=True)
    assert 'data-test="nothing"' in again and re.search(r'data-test="unchanged">2<', again)


def test_refused_rows_are_listed_with_their_numbers_and_nothing_can_be_confirmed(db, place, browser):
    client = browser(place.staff)
    bad = xlsx(["姓名", "手机号"], ["好人", "13800001112"], ["坏号", "12345"])
    text = _preview(client, bad, place.community.id).get_data(as_text=True)
    assert 'data-test="refusals"' in text and "<td>3</td>" in text and "手机号码" in text
    assert 'data-test="confirm"' not in text
    assert db.session.scalar(select(func.count()).select_from(StagedImport)) == 0


def test_a_file_of_another_type_is_refused_on_the_form(db, place, browser):
    client = browser(place.staff)
    response = _preview(client, b"not a spreadsheet", place.community.id, filename="x.pdf")
    assert response.status_code == 200 and ".xlsx 或 .csv" in response.get_data(as_text=True)


def test_the_forms_need_their_csrf_token(db, place, browser):
    client = browser(place.staff)
    response = client.post(
        "/imports/preview",
        data={
            "kind": "residents",
            "community_id": place.community.id,
            "file": (BytesIO(RESIDENTS), "a.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _residents(db) == 0


def test_staff_of_another_community_cannot_import_into_mine_nor_confirm_my_file(db, place, browser):
    mine = browser(place.staff)
    token = _confirm_token(_preview(mine, RESIDENTS, place.community.id).get_data(as_text=True))
    theirs = browser(place.other_staff)
    assert _preview(theirs, RESIDENTS, place.community.id).status_code == 404
    stolen = theirs.post(
        "/imports/confirm", data={"csrf_token": csrf_token(theirs, "/imports/"), "token": token}
    )
    assert stolen.status_code == 404
    assert _residents(db) == 0


def test_a_street_admin_chooses_a_community_of_the_street(db, make, place, browser):
    client = browser(place.admin)
    plain = xlsx(["姓名", "手机号"], ["王小明", "13800001112"])
    text = _preview(client, plain, place.other.id).get_data(as_text=True)
    client.post(
        "/imports/confirm",
        data={"csrf_token": csrf_token(client, "/imports/"), "token": _confirm_token(text)},
    )
    assert set(db.session.scalars(select(User.community_id).where(User.phone.like("1380000%")))) == {
        place.other.id
    }
    elsewhere = make.community()
    assert _preview(client, plain, elsewhere.id).status_code == 404


def test_grid_workers_have_no_import_page(place, browser):
    assert browser(place.worker).get("/imports/").status_code == 403


def test_the_template_downloads_with_headers_an_example_and_notes(place, browser):
    response = browser(place.staff).get("/imports/templates/care-targets.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["类别*", "姓名*", "住址*"]
    assert [c.value for c in sheet[2]][:2] == ["独居老人", "赵大爷"]
    assert "按类别、姓名和住址匹配" in book["说明"]["B1"].value
