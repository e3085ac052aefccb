"""The factory, configuration, security headers and cookies, health check."""

from __future__ import annotations

import pytest

from engage import create_app
from engage.config import normalise_database_url


def test_security_headers_on_every_response(client):
    for url in ("/", "/login", "/healthz", "/api/v1/me"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers


def test_https_gets_hsts_and_secure_cookie(client, make, db):
    user = make.user("resident")
    response = client.post(
        "/login",
        data={"username": user.username, "password": "correct-horse-42"},
        base_url="https://engage.test",
    )
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_plain_http_cookie_is_httponly_lax_not_secure(client, make, db):
    user = make.user("resident")
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-42"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("base_url", ["https://engage.test", "http://engage.test"])
def test_remember_me_cookie_is_secure(client, make, base_url):
    user = make.user("resident")
    response = client.post(
        "/login",
        data={"username": user.username, "password": "correct-horse-42", "remember": "y"},
        base_url=base_url,
    )
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Secure" in remember and "HttpOnly" in remember


def test_remember_me_cookie_can_be_plain_on_an_http_intranet(make_app, make, monkeypatch):
    monkeypatch.setenv("REMEMBER_COOKIE_SECURE", "0")
    client = make_app().test_client()
    user = make.user("resident")
    response = client.post(
        "/login", data={"username": user.username, "password": "correct-horse-42", "remember": "y"}
    )
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Secure" not in remember


@pytest.mark.parametrize(
    "method, url, allowed",
    [
        ("DELETE", "/api/v1/auth/token", {"POST", "OPTIONS"}),
        ("PUT", "/login", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_405_names_the_allowed_methods(client, method, url, allowed):
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.mimetype == ("application/json" if url.startswith("/api/") else "text/html")


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "db": "ok"}


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_forms(given, expected):
    assert normalise_database_url(given) == expected


def test_config_comes_from_environment_inside_the_factory(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert len(app.config["SECRET_KEY"]) >= 32
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_get_never_changes_state_on_logout(client, make, login):
    login(make.user("resident"))
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200


def test_the_wsgi_module_builds_the_app_in_a_fresh_interpreter(tmp_path):
    """As `flask --app wsgi` and gunicorn do: the import order there is not the test suite's,
    and a model referred to by name before its module was imported broke `./dev demo` once."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "SECRET_KEY": "fresh-interpreter",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi; print(len(wsgi.app.url_map._rules))"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_engage_models_alone_registers_every_table():
    """`engage.models` is the one import that makes the shared MetaData complete (Alembic's
    env and the ledger's own tests rely on it): alone, in a fresh interpreter, it must map
    every model and know every table that importing every module of the packages finds."""
    import subprocess
    import sys
    from pathlib import Path

    code = """
import importlib, pkgutil
import engage.models, points
from sqlalchemy.orm import configure_mappers
configure_mappers()
alone = set(points.Base.metadata.tables)
for package in ("engage", "marketplace", "points"):
    module = importlib.import_module(package)
    for found in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(found.name)
print(sorted(set(points.Base.metadata.tables) - alone))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_postgresql_connections_run_without_jit(db):
    from sqlalchemy import text

    from engage import engine_options

    options = engine_options(
        "postgresql+psycopg://h/d", {"connect_args": {"options": "-c statement_timeout=5000"}}
    )
    assert (
        options["connect_args"]["options"] == "-c jit=off -c statement_timeout=5000"
        and options["pool_pre_ping"]
    )
    assert engine_options("sqlite:///x.db", {"echo": False}) == {"echo": False, "pool_pre_ping": False}
    if db.engine.dialect.name == "postgresql":  # the suite's own connections, when it runs there
        assert db.session.scalar(text("SHOW jit")) == "off"
