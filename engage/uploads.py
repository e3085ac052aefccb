"""Completion photos: checked by size and by content, stored under instance/."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _

from engage.errors import Invalid

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def save_photo(folder: Path, data: bytes) -> str:
    """Store the bytes if they are a JPEG or PNG of at most 5 MB; returns the file name."""
    if len(data) > MAX_BYTES:
        raise Invalid.field("photo", _("照片不能超过5MB。"))
    kind = next((ext for magic, ext in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise Invalid.field("photo", _("只接受JPEG或PNG照片。"))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(data)
    return name
