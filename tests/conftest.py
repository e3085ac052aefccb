"""Fixtures shared by every Flask-side test.

The schema is built once per run by the real Alembic migrations (so the migrations
are tested on every run), on SQLite by default or on PostgreSQL when
``TEST_DATABASE_URL`` is set. Each test starts from the empty migrated schema:
SQLite copies a template file, PostgreSQL truncates every table.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

import engage.models  # noqa: F401 - every mapper known, even where a test never builds the app
from engage import create_app
from engage.extensions import db as _db
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "DATA_ENCRYPTION_KEY": factories.DATA_KEY,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "engage.test",
        "UPLOAD_FOLDER": str(instance / "uploads"),
        # A run's SMS and WeChat messages land in its own instance folder, never the checkout's.
        "SMS_OUTBOX_FILE": str(instance / "sms-outbox.jsonl"),
        "WECHAT_OUTBOX_FILE": str(instance / "wechat-outbox.jsonl"),
        # No job queue unless a test asks for one (tests/background): jobs run inline.
        "REDIS_URL": "",
    }


def _migrate(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(database_url, instance))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def schema(tmp_path_factory) -> dict:
    """Migrate once; return how to get a clean database for each test."""
    instance = tmp_path_factory.mktemp("instance")
    if PG_URL:
        _reset_postgres(PG_URL)
        _migrate(PG_URL, instance)
        return {"url": PG_URL, "instance": instance}
    template = instance / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    return {"template": template, "instance": instance}


@pytest.fixture
def database_url(schema, tmp_path) -> str:
    if "url" in schema:
        yield schema["url"]
        _truncate_all(schema["url"])
        return
    path = tmp_path / "engage.db"
    shutil.copyfile(schema["template"], path)
    yield f"sqlite:///{path}"


def _truncate_all(url: str) -> None:
    """Empty every table between tests. DELETE with triggers off (replica role, which also
    skips the append-only and foreign-key triggers) is far quicker than a TRUNCATE of every
    table; ids keep counting up, which no test relies on."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))
    engine.dispose()


class Client(FlaskClient):
    """Ends the test's own transaction before each request, and forgets after it.

    On SQLite every transaction holds the write lock (``points.db``), so a test
    that has just read an object would otherwise make the app wait for it; and
    what the test reads after the request must come from the database.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            _db.session.commit()
        response = super().open(*args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture
def make_app(database_url, schema):
    """Build an app on this test's database, with optional config overrides."""
    apps = []

    def build(**overrides):
        app = create_app({**base_config(database_url, schema["instance"]), **overrides})
        app.test_client_class = Client
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def db(make_app):
    """A session for arranging and checking data, on its own app instance.

    Requests of ``app`` then never share this app context (Flask would reuse a
    pushed context of the same app), so each request has its own session and
    ``g``, as in production. Its SQLite transactions are deferred, so a test's own
    reads never hold the write lock the app's requests need.
    """
    with make_app(SQLITE_IMMEDIATE_TRANSACTIONS=False).app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(db):
    """Factory helpers bound to this test's session: ``make.user(roles=[...])``."""
    return factories.Factory(db.session)


@pytest.fixture
def login(client):
    """Log the test client in through the real login form."""

    def do(user, password: str = factories.PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data
        return client

    return do


@pytest.fixture
def signed_in(app):
    """``signed_in(user)``: a client of its own, logged in through the login form."""

    def do(user, password: str = factories.PASSWORD):
        own = app.test_client()
        assert own.post("/login", data={"username": user.username, "password": password}).status_code == 302
        return own

    return do


@pytest.fixture
def api(make_app):
    """A tiny API client (``api.as_user(user)`` then ``api.get/post``) against an app
    with CSRF protection on, as in production."""
    return factories.ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client())
