"""Keep the English catalog in step with the source.

    python scripts/i18n.py extract   # re-extract messages; new ones appear untranslated in en
    python scripts/i18n.py compile   # write translations/en/LC_MESSAGES/messages.mo

Chinese is the source language (the msgids), so only English needs a catalog.
The test suite fails while any message lacks an English translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHOD_MAP = [("engage/**.py", "python"), ("marketplace/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    """Every msgid the code and templates use now."""
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), METHOD_MAP, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def read_catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle, locale="en")


def extract() -> None:
    catalog = read_catalog() if PO.exists() else Catalog(locale="en")
    current = source_messages()
    for message in current:
        if message not in catalog:
            catalog.add(message, "")
    for message in [m.id for m in catalog if m.id and m.id not in current]:
        del catalog[message]
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False, width=100)


def compile_mo() -> None:
    with MO.open("wb") as handle:
        write_mo(handle, read_catalog())


if __name__ == "__main__":
    {"extract": extract, "compile": compile_mo}[sys.argv[1]]()
