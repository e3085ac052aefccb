"""Uploaded photos (order completion photos, reward pictures): the request size each upload
view accepts; checked first, stored last, and removed again when the transaction that refers
to them does not commit.

Every other request is held to ``MAX_CONTENT_LENGTH``; a view marked ``accepts_upload`` takes
up to ``UPLOAD_MAX_CONTENT_LENGTH``. The request class applies the limit, so it already holds
when the CSRF check parses the form, before any view runs; werkzeug enforces it while reading.

A request checks the upload (size and content) without touching the disk, runs its
service with the name the file will have (the service checks who may do what), and only
then writes the file. The file belongs to the session's transaction: if that transaction
ends without a commit (a later refusal, a failed commit, a rollback), the file is
deleted, so the folder holds only files that committed rows refer to.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import Request, current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from engage.errors import Invalid

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
_UNCOMMITTED = "engage.uploads.uncommitted"
T = TypeVar("T")


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


@dataclass(frozen=True)
class Photo:
    """A checked upload, not yet on disk, and the name it will be stored under."""

    data: bytes
    name: str


def check_photo(upload: FileStorage | None, field: str = "photo") -> Photo | None:
    """The upload if it is a JPEG or PNG of at most 5 MB; ``None`` when no file was sent.

    Reads at most one byte more than the limit, so an oversized file is never read whole.
    """
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid.field(field, _("照片不能超过5MB。"))
    kind = next((ext for magic, ext in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise Invalid.field(field, _("只接受JPEG或PNG照片。"))
    return Photo(data, f"{secrets.token_hex(16)}.{kind}")


def store_photo(session: Session, folder: Path, photo: Photo) -> None:
    """Write the file; it is deleted again unless the session's transaction commits."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / photo.name
    path.write_bytes(photo.data)
    session.info.setdefault(_UNCOMMITTED, []).append(path)


def with_photo(
    session: Session,
    folder: Path,
    upload: FileStorage | None,
    use: Callable[[str | None], T],
    *,
    field: str = "photo",
) -> T:
    """Check the upload, run ``use`` with the name it will have (``None`` without a file),
    and store the file only once ``use`` has succeeded."""
    photo = check_photo(upload, field)
    result = use(photo.name if photo else None)
    if photo is not None:
        store_photo(session, folder, photo)
    return result


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """After a commit the list is already empty; any other end of the outermost transaction
    (rollback, close) leaves files no row refers to."""
    if transaction.parent is None:
        for path in session.info.pop(_UNCOMMITTED, ()):
            path.unlink(missing_ok=True)
