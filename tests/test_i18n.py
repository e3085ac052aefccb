"""Chinese first, English second, and nothing left untranslated."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "scripts" / "i18n.py")
i18n_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_tool)

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    catalog = i18n_tool.read_catalog()
    for message in sorted(i18n_tool.source_messages()):
        entry = catalog.get(message)
        assert entry is not None and entry.string and not entry.fuzzy, f"untranslated: {message}"
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(entry.string)), message


def test_compiled_catalog_is_up_to_date():
    with i18n_tool.MO.open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == {m.id: m.string for m in i18n_tool.read_catalog() if m.id}


def _english_text(client, url: str) -> str:
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get(url).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    return text.replace("中文", "")


@pytest.mark.parametrize(
    "role, url",
    [
        (None, "/login"),
        (None, "/register"),
        (None, "/"),
        ("resident", "/"),
        ("resident", "/profile"),
        ("resident", "/points/"),
        ("staff", "/"),
        ("staff", "/community/grids/"),
        ("staff", "/users"),
        ("staff", "/points/budget"),
        ("admin", "/audit/"),
        ("resident", "/orders/new"),
        ("resident", "/orders/mine"),
        ("volunteer", "/tasks"),
        ("volunteer", "/tasks/mine"),
        ("staff", "/orders/queue"),
        ("staff", "/orders/categories"),
        ("resident", "/notifications"),
    ],
)
def test_pages_in_english_show_no_chinese_interface_text(client, db, make, login, role, url):
    """User data (names of people and places) stays as entered; the interface must not."""
    street = make.street(name="Street")
    community = make.community(street, name="Community")
    if role:
        extra = {"street_id": street.id} if role == "admin" else {}
        user = make.user(role, community=community, **extra)
        user.display_name = "Tester"
        db.session.commit()
        login(user)
    text = _english_text(client, url)
    assert not CJK.search(text), CJK.findall(text)[:20]
