"""A schema built by create_all records each sale's stock movement as the migrations' does."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from engage.extensions import db as _db


def test_create_all_installs_the_sale_movement_trigger(app, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'created.db'}")
    _db.metadata.create_all(engine)
    with engine.connect() as conn:
        triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    engine.dispose()
    assert "mall_redemptions_record_sale" in triggers
