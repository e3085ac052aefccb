"""Uploads are checked before anything is stored, and a file whose transaction did not
commit is removed again."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from engage import uploads
from engage.errors import Invalid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "uploads"


def _upload(data: bytes, filename: str = "x.png") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename)


def test_a_stored_photo_stays_only_if_its_transaction_commits(db, folder):
    kept, dropped = uploads.check_photo(_upload(PNG)), uploads.check_photo(_upload(PNG))
    db.session.connection()
    uploads.store_photo(db.session, folder, kept)
    db.session.commit()
    db.session.connection()
    uploads.store_photo(db.session, folder, dropped)
    assert (folder / dropped.name).read_bytes() == PNG
    db.session.rollback()
    assert [p.name for p in folder.iterdir()] == [kept.name]


def test_a_session_closed_without_commit_leaves_no_file(db, folder):
    db.session.connection()
    uploads.store_photo(db.session, folder, uploads.check_photo(_upload(PNG)))
    db.session.close()
    assert list(folder.iterdir()) == []


def test_nothing_is_stored_when_the_service_refuses(db, folder):
    def refuse(name):
        raise Invalid.field("name", "no")

    with pytest.raises(Invalid):
        uploads.with_photo(db.session, folder, _upload(PNG), refuse)
    assert not folder.exists()


def test_with_photo_passes_the_name_it_then_stores(db, folder):
    db.session.connection()
    name = uploads.with_photo(db.session, folder, _upload(PNG), lambda name: name)
    db.session.commit()
    assert name.endswith(".png") and (folder / name).read_bytes() == PNG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a....", "只接受JPEG或PNG照片"),
        (PNG + b"\x00" * uploads.MAX_BYTES, "照片不能超过5MB"),
    ],
)
def test_bad_photos_are_refused_naming_the_field(data, message):
    with pytest.raises(Invalid, match=message) as refused:
        uploads.check_photo(_upload(data), "picture")
    assert list(refused.value.fields) == ["picture"]


def test_no_file_is_no_photo():
    assert uploads.check_photo(None) is None
    assert uploads.check_photo(_upload(b"", filename="")) is None
    assert uploads.check_photo("old-name.png") is None  # a form filled from the stored row
