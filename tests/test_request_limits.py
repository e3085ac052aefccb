"""Request size limits: small for JSON and forms, larger only on the views that take a photo;
an oversized body is refused with 413 before it is read, and a photo is read only up to its limit."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engage.errors import Invalid
from engage.uploads import MAX_BYTES, check_photo

TWENTY_MB = 20 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


def _photo_form(photo: bytes) -> dict:
    """The multipart body built in memory: the test client would spool a large one to a temporary
    file that it never closes (a ResourceWarning, an error here)."""
    boundary, body = encode_multipart({"note": "x", "photo": FileStorage(io.BytesIO(photo), "big.png")})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_a_20_mb_json_login_is_413_at_once(client):
    body = b'{"username": "' + b"x" * TWENTY_MB + b'", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "invalid_input"
    assert response.json["error"]["message"] == "提交的内容过大。"


def test_a_20_mb_form_post_is_413_with_a_chinese_page(client):
    response = client.post("/login", data={"username": "x" * TWENTY_MB, "password": "x"})
    assert response.status_code == 413 and "提交的内容过大" in response.get_data(as_text=True)


def test_a_20_mb_photo_is_413_on_an_upload_view(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/orders/1/complete", **_photo_form(PNG + b"\x00" * TWENTY_MB))
    assert response.status_code == 413


def test_only_an_upload_view_takes_a_body_over_the_usual_limit(make_app):
    """With CSRF on, as in production, the form is read before the view: the limit holds there."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    photo = PNG + b"\x00" * (2 * client.application.config["MAX_CONTENT_LENGTH"])

    def post(url: str) -> int:
        return client.post(url, **_photo_form(photo)).status_code

    assert post("/orders/1/complete") == 400  # read whole, then refused for its missing CSRF token
    assert post("/mall/admin") == 400
    assert post("/orders/1/accept") == 413


class _Stream(io.BytesIO):
    def read(self, size: int = -1) -> bytes:
        assert 0 <= size <= MAX_BYTES + 1, "the photo must be read only up to its limit"
        return super().read(size)


def test_an_oversized_photo_is_read_only_up_to_its_limit():
    with pytest.raises(Invalid, match="5MB"):
        check_photo(FileStorage(_Stream(PNG + b"\x00" * (2 * MAX_BYTES)), "big.png"))
