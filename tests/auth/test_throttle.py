"""Login throttling: every spelling of an account counts against one counter, and no key
in the limiter's storage is longer than MAX_KEY_CHARS, whatever a client sends."""

from __future__ import annotations

from engage.auth.throttle import MAX_KEY_CHARS


def _storage_keys(app) -> list[str]:
    return list(app.extensions["engage.login_throttle"].storage.storage)


def test_every_spelling_of_an_account_counts_against_one_counter(make_app, make):
    client = make_app(LOGIN_LIMIT_PER_ACCOUNT="4 per minute").test_client()
    user = make.user("volunteer", username="volunteer2", phone="13900000002")
    spellings = [" volunteer2", "volunteer2\t", "13900000002", "VOLUNTEER2"]
    codes = [
        client.post("/api/v1/auth/token", json={"username": name, "password": "wrong-pw1"}).status_code
        for name in spellings
    ]
    assert codes == [401] * 4
    right = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "correct-horse-42"}
    )
    assert right.status_code == 429 and right.json["error"]["code"] == "rate_limited"


def test_an_unknown_name_counts_by_its_normalised_spelling(make_app):
    client = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per minute").test_client()
    codes = [
        client.post("/login", data={"username": name, "password": "wrong-pw1"}).status_code
        for name in ("Ghost", " ghost\t", "GHOST")
    ]
    assert codes == [401, 401, 429]


def test_a_huge_username_leaves_no_huge_key(app, client):
    huge = "x" * 400_000  # within the request size limit, so it reaches the throttle
    response = client.post("/api/v1/auth/token", json={"username": huge, "password": "wrong-pw1"})
    assert response.status_code == 401
    keys = _storage_keys(app)
    assert keys and max(len(key) for key in keys) < MAX_KEY_CHARS + 64


def test_a_nul_in_the_username_is_invalid_input_not_a_fault(client):
    response = client.post("/api/v1/auth/token", json={"username": "volunteer\x002", "password": "wrong-pw1"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"
    assert "username" in response.json["error"]["fields"]
