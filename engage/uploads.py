"""Uploaded photos: the request size each upload view accepts, and a check of every photo
by size and by content before it is stored under instance/.

Every other request is held to ``MAX_CONTENT_LENGTH``; a view marked ``accepts_upload`` takes
up to ``UPLOAD_MAX_CONTENT_LENGTH``. The request class applies the limit, so it already holds
when the CSRF check parses the form, before any view runs; werkzeug enforces it while reading.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

from flask import Request, current_app
from flask_babel import lazy_gettext as _

from engage.errors import Invalid

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def accepts_upload(view: Callable) -> Callable:
    """Marks a view whose form carries a photo, so its body may exceed the usual limit."""
    view.accepts_upload = True
    return view


def _body_limit(request: Request) -> int | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_upload", False):
        return current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]
    return Request.max_content_length.fget(request)


class UploadAwareRequest(Request):
    """Flask's request, with the larger body limit for the views that take uploads."""

    max_content_length = property(_body_limit, Request.max_content_length.fset)


def save_photo(folder: Path, upload: IO[bytes]) -> str:
    """Store the upload if it is a JPEG or PNG of at most 5 MB; returns the file name.

    At most one byte more than the limit is read, so an oversized file never sits in memory whole.
    """
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid.field("photo", _("照片不能超过5MB。"))
    kind = next((ext for magic, ext in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise Invalid.field("photo", _("只接受JPEG或PNG照片。"))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(data)
    return name
