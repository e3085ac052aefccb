"""engage.persistence: reads outside the write transaction, and inserts a unique index decides."""

from __future__ import annotations

import threading

from sqlalchemy import func, inspect, select

from engage.auth.models import User
from engage.community.models import District
from engage.persistence import reading
from points.inserts import insert_unless_taken


def test_a_writer_commits_while_a_request_is_still_reading(app, make):
    member = make.user()
    with app.app_context():
        from engage.extensions import db

        with reading(db.session):
            loaded = db.session.get(User, member.id)
            committed = threading.Event()

            def other_request() -> None:
                with app.app_context():
                    db.session.add(District(name="并发区"))
                    db.session.commit()
                committed.set()

            thread = threading.Thread(target=other_request)
            thread.start()
            assert committed.wait(10), "a reading block must not hold the write lock"
            thread.join()
        assert "display_name" not in inspect(loaded).unloaded, "what was read stays loaded"


def test_inside_a_begun_transaction_reading_commits_nothing(app, make):
    with app.app_context():
        from engage.extensions import db

        db.session.add(District(name="未提交区"))
        db.session.flush()
        with reading(db.session):
            db.session.scalar(select(District.id).limit(1))
        db.session.rollback()
        assert db.session.scalar(select(District).where(District.name == "未提交区")) is None


def test_insert_unless_taken_returns_the_row_loaded_with_its_column_defaults(app):
    with app.app_context():
        from engage.extensions import db

        row = insert_unless_taken(db.session, District, {"name": "新区"}, "name")
        assert inspect(row).persistent and inspect(row).unloaded == {"streets"}, "every column loaded"
        assert row.id and row.created_at is not None, "the column default applied, and read back"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(District, row.id).name == "新区"


def test_insert_unless_taken_inserts_nothing_for_a_taken_value(app, make):
    district = make.district()
    with app.app_context():
        from engage.extensions import db

        assert insert_unless_taken(db.session, District, {"name": district.name}, "name") is None
        fresh = insert_unless_taken(db.session, District, {"name": "另一区"}, "name")
        db.session.commit()
        assert fresh.id and db.session.scalar(select(func.count()).select_from(District)) == 2


def test_insert_unless_taken_after_a_rollback_that_freed_the_id(app):
    """SQLite gives a rolled-back row's id to the next insert: the session must hold the new row."""
    with app.app_context():
        from engage.extensions import db

        insert_unless_taken(db.session, District, {"name": "回滚区"}, "name")
        db.session.rollback()
        row = insert_unless_taken(db.session, District, {"name": "新建区"}, "name")
        assert db.session.get(District, row.id) is row and row.name == "新建区"
