"""Ledger tests use plain SQLAlchemy: no Flask, no application.

SQLite by default (a fresh file per test, copied from a template); PostgreSQL when
``TEST_DATABASE_URL`` is set, in a database of its own (``<name>_points``) so the
application's migrated test database is left alone.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

import points
from points.db import configure_engine

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _points_database(url: str) -> str:
    """Create (empty) ``<name>_points`` next to the configured test database."""
    parsed = make_url(url)
    name = f"{parsed.database}_points"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def ledger_template(tmp_path_factory):
    if PG_URL:
        url = _points_database(PG_URL)
        engine = create_engine(url)
        points.Base.metadata.create_all(engine, tables=_ledger_tables())
        engine.dispose()
        return {"url": url}
    path = tmp_path_factory.mktemp("ledger") / "template.db"
    engine = configure_engine(create_engine(f"sqlite:///{path}"))
    points.Base.metadata.create_all(engine, tables=_ledger_tables())
    engine.dispose()
    return {"template": path}


def _ledger_tables():
    return [t for name, t in points.Base.metadata.tables.items() if name.startswith("ledger_")]


@pytest.fixture
def engine(ledger_template, tmp_path):
    if "url" in ledger_template:
        engine = create_engine(ledger_template["url"], pool_size=25, max_overflow=5)
        yield engine
        with engine.begin() as conn:
            names = ", ".join(t.name for t in _ledger_tables())
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    path = tmp_path / "ledger.db"
    shutil.copyfile(ledger_template["template"], path)
    engine = configure_engine(create_engine(f"sqlite:///{path}", pool_size=25, max_overflow=5))
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


@pytest.fixture
def fund(sessions):
    """``fund("user:1", 100)``: points from an issuance account, committed."""

    def do(address: str, amount: int) -> None:
        with sessions() as session:
            points.transfer(session, "street:1:issuance", address, amount, kind="issue", memo="fund")
            session.commit()

    return do


@pytest.fixture
def guards_off(engine):
    """Tamper with the ledger behind its back: guards dropped now, reinstalled after."""
    with engine.begin() as conn:
        for statement in points.schema.drop_guard_ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)
    yield
    with engine.begin() as conn:
        points.schema.install_guards(conn)


@pytest.fixture
def verified(session):
    """Call at the end of a test: the whole ledger must verify clean."""

    def check() -> None:
        session.commit()
        assert points.verify(session) == []
        session.commit()

    return check
