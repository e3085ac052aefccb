"""The SQLite engine setup: writers queue on the file's lock, readers can opt out of it.

Always on a SQLite file of its own, whatever database the rest of the suite uses:
this is the SQLite setup under test.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, exc, text
from sqlalchemy.orm import Session

import points.db
from points.db import READING, configure_engine

fcntl = pytest.importorskip("fcntl")  # the writers' queue is POSIX-only


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "queue.db"
    engine = configure_engine(create_engine(f"sqlite:///{path}"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, f"{path}-writers"
    engine.dispose()


def writer_turn_taken(lock_path: str) -> bool:
    """Whether some connection holds the writers' lock right now."""
    with open(lock_path, "a") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe, fcntl.LOCK_UN)
        return False


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_write_transaction_holds_the_writers_lock_until_it_ends(sqlite_file, end):
    engine, lock_path = sqlite_file
    session = Session(engine)
    session.execute(text("INSERT INTO t VALUES (1)"))
    assert writer_turn_taken(lock_path)
    getattr(session, end)()
    assert not writer_turn_taken(lock_path)


def test_a_reading_transaction_leaves_the_lock_to_writers(sqlite_file):
    engine, lock_path = sqlite_file
    with Session(engine) as reader:
        reader.connection(execution_options=READING)
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert not writer_turn_taken(lock_path)
        with Session(engine) as writer:
            writer.execute(text("INSERT INTO t VALUES (1)"))
            writer.commit()


def test_a_writer_that_never_gets_its_turn_fails_like_sqlite_would(sqlite_file, monkeypatch):
    engine, _lock_path = sqlite_file
    monkeypatch.setattr(points.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    holder = Session(engine)
    holder.execute(text("INSERT INTO t VALUES (1)"))
    with (
        Session(engine) as second,
        pytest.raises((sqlite3.OperationalError, exc.OperationalError), match="database is locked"),
    ):
        second.execute(text("INSERT INTO t VALUES (2)"))
    holder.commit()
    holder.close()
    with Session(engine) as after:
        after.execute(text("INSERT INTO t VALUES (3)"))
        after.commit()
        assert after.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 3]
