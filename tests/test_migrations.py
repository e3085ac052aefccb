"""The migrations build exactly the models' schema, and go down and up again."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from engage.extensions import db as _db


def _differences(db) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def test_migrated_schema_matches_the_models(db):
    assert _differences(db) == []


def test_downgrade_to_empty_and_upgrade_again(app, db):
    downgrade(revision="base")
    with db.engine.connect() as conn:
        assert set(_db.inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert _differences(db) == []
