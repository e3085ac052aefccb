"""engage.persistence: reads outside the write transaction, and single-row inserts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, func, inspect, select
from sqlalchemy.exc import IntegrityError

from engage.auth.models import User
from engage.community.models import Community, District, Street
from engage.persistence import Prepared, insert_row, inserting, reading
from points.base import utcnow


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


def test_insert_row_returns_a_loaded_row_with_its_relations(app, make):
    street_id = make.street().id
    with app.app_context():
        from engage.extensions import db

        street = db.session.get(Street, street_id)
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        row = insert_row(
            db.session,
            Community,
            {"street_id": street.id, "name": "新社区", "kind": "urban", "created_at": utcnow()},
            related={"street": street},
        )
        assert row.id and inspect(row).persistent and not inspect(row).unloaded
        assert row.street is street and row.name == "新社区"
        assert statements == [], "sent to the driver: no unit of work, nothing read back"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Community, row.id).street_id == street_id


def test_insert_row_unless_taken_inserts_nothing_for_a_taken_value(app, make):
    district = make.district()
    with app.app_context():
        from engage.extensions import db

        kept = {"name": district.name, "created_at": utcnow()}
        assert insert_row(db.session, District, kept, unless_taken="name") is None
        fresh = insert_row(db.session, District, {**kept, "name": "另一区"}, unless_taken="name")
        db.session.commit()
        assert fresh.id and db.session.scalar(select(func.count()).select_from(District)) == 2


def test_a_value_left_out_is_named_since_no_column_default_fills_it(app):
    with app.app_context():
        from engage.extensions import db

        with pytest.raises(ValueError, match="created_at"):
            insert_row(db.session, District, {"name": "新区"})


def test_prepared_sends_values_as_sqlalchemy_would_and_raises_its_errors(app):
    from engage.api.models import IdempotentRequest

    store = Prepared(inserting(IdempotentRequest.__table__))
    answer = {
        "scope": "user:1",
        "key": "k",
        "fingerprint": "f",
        "status": 201,
        "body": {"名称": "洗衣液", "n": [1, 2]},
        "created_at": datetime(2026, 11, 26, 8, 30, tzinfo=UTC),
    }
    with app.app_context():
        from engage.extensions import db

        assert store.run(db.session, answer).rowcount == 1
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                store.run(db.session, answer)
        db.session.commit()
        stored = db.session.scalar(select(IdempotentRequest))
        assert (stored.body, stored.created_at) == (answer["body"], answer["created_at"])
        first = Prepared(
            select(IdempotentRequest.status).where(IdempotentRequest.key == bindparam("key")).limit(1)
        )
        assert first.run(db.session, {"key": "k"}).fetchall() == [(201,)], "values written into the statement"
