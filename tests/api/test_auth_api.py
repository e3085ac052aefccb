"""docs/api.md "Conventions" and "Health and identity"."""

from __future__ import annotations

from engage.api.openapi import document
from tests.factories import PASSWORD, csrf_token


def test_token_me_and_revoke(api, make):
    user = make.user("volunteer")
    api.as_user(user)
    me = api.get("/api/v1/me").json
    assert me["id"] == user.id and me["roles"] == ["volunteer"]
    assert {"display_name", "community_id", "points_balance", "service_hours"} <= set(me)
    assert api.post("/api/v1/auth/revoke").status_code == 200
    assert api.get("/api/v1/me").json["error"]["code"] == "unauthenticated"


def test_unauthenticated_and_bad_tokens(client):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json == {
            "error": {"code": "unauthenticated", "message": response.json["error"]["message"]}
        }


def test_session_cookie_does_not_authenticate_the_api(client, make):
    user = make.user("resident")
    client.post(
        "/login",
        data={"csrf_token": csrf_token(client, "/login"), "username": user.username, "password": PASSWORD},
    )
    assert client.get("/profile").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_is_invalid_credentials(client, make):
    user = make.user()
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": "x" * 9})
    assert response.status_code == 401 and response.json["error"]["code"] == "invalid_credentials"


def test_malformed_body_is_invalid_input(client):
    response = client.post("/api/v1/auth/token", data="not json", content_type="text/plain")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"


def test_twenty_fast_wrong_logins_end_in_429(client, make):
    user = make.user()
    codes = [
        client.post(
            "/api/v1/auth/token", json={"username": user.username, "password": "wrong-password"}
        ).status_code
        for _ in range(20)
    ]
    assert codes[0] == 401 and codes[-1] == 429
    assert (
        client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong"}).json[
            "error"
        ]["code"]
        == "rate_limited"
    )


def test_login_limit_per_address_covers_many_accounts(make_app, make):
    client = make_app(LOGIN_LIMIT_PER_ADDRESS="5 per minute").test_client()
    codes = [
        client.post("/api/v1/auth/token", json={"username": f"ghost{i}", "password": "wrong-pw1"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[-1] == 429


def test_unknown_api_path_is_json_404(api, make):
    api.as_user(make.user())
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_openapi_documents_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document()["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
