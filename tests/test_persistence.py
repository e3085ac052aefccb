"""engage.persistence: reads outside the write transaction, and inserts a unique index decides."""

from __future__ import annotations

import threading

from sqlalchemy import func, inspect, select

from engage.auth.models import User
from engage.community.models import Street
from engage.persistence import insert_unless_taken, reading


def test_a_writer_commits_while_a_request_is_still_reading(app, make):
    member = make.user()
    with app.app_context():
        from engage.extensions import db

        with reading(db.session):
            loaded = db.session.get(User, member.id)
            committed = threading.Event()

            def other_request() -> None:
                with app.app_context():
                    db.session.add(Street(name="并发街道"))
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

        db.session.add(Street(name="未提交街道"))
        db.session.flush()
        with reading(db.session):
            db.session.scalar(select(Street.id).limit(1))
        db.session.rollback()
        assert db.session.scalar(select(Street).where(Street.name == "未提交街道")) is None


def test_insert_unless_taken_returns_the_row_loaded_with_its_column_defaults(app):
    with app.app_context():
        from engage.extensions import db

        row = insert_unless_taken(db.session, Street, {"name": "新街道"}, "name")
        assert inspect(row).persistent and inspect(row).unloaded == {"communities"}, "every column loaded"
        assert row.id and row.created_at is not None, "the column default applied, and read back"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Street, row.id).name == "新街道"


def test_insert_unless_taken_inserts_nothing_for_a_taken_value(app, make):
    street = make.street()
    with app.app_context():
        from engage.extensions import db

        assert insert_unless_taken(db.session, Street, {"name": street.name}, "name") is None
        fresh = insert_unless_taken(db.session, Street, {"name": "另一街道"}, "name")
        db.session.commit()
        assert fresh.id and db.session.scalar(select(func.count()).select_from(Street)) == 2
