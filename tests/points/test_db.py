"""The SQLite engine setup: writers queue on the file's lock, readers can opt out of it.

Always on a SQLite file of its own, whatever database the rest of the suite uses:
this is the SQLite setup under test.
"""
from __future__ import annotations

import fcntl
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from points.db import READING, configure_engine


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


def test_the_next_writer_waits_its_turn_and_both_commit(sqlite_file):
    engine, _lock_path = sqlite_file
    first = Session(engine)
    first.execute(text("INSERT INTO t VALUES (1)"))
    second_done = threading.Event()

    def second_writer() -> None:
        with Session(engine) as second:
            second.execute(text("INSERT INTO t VALUES (2)"))
            second.commit()
        second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not second_done.wait(0.3), "the second writer must wait for the first"
    first.commit()
    first.close()
    thread.join(10)
    assert second_done.is_set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
