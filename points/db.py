"""Engine setup that makes concurrent writers safe on SQLite.

PostgreSQL needs nothing here: the ledger uses conditional updates and row locks.
SQLite's default deferred transactions let two writers read the same balance and
then fail (or worse, in pysqlite's legacy mode, commit implicitly); so every
transaction starts with ``BEGIN IMMEDIATE``, the journal is WAL (readers never block
the writer) and a busy timeout makes a second writer wait instead of erroring.
A transaction that only reads may ask for a plain ``BEGIN`` with the execution option
``READING`` (engage's ``persistence.reading``), so that it does not hold writers up.
Writers of one database file queue on an advisory lock (``flock`` on ``<file>-writers``)
before ``BEGIN IMMEDIATE``: the kernel wakes the next writer the moment the last one
commits, where SQLite's busy handler would sleep 1, 2, 5, 10 … ms between retries —
with several processes writing that sleep, not the work, set the pace.
``synchronous = FULL`` makes every commit durable: with WAL's usual ``NORMAL`` the
last committed points could vanish on a power cut (FULL syncs the WAL at every
commit, a small cost per commit).
"""

from __future__ import annotations

import sqlite3
import time

try:
    import fcntl
except ImportError:  # not POSIX (Windows): writers wait in SQLite's busy handler instead
    fcntl = None

from sqlalchemy import Engine, event

SQLITE_BUSY_TIMEOUT_MS = 30_000
READING = {"sqlite_begin": "DEFERRED"}


def configure_engine(engine: Engine, *, immediate: bool = True) -> Engine:
    """Install the SQLite connection and transaction hooks; a no-op elsewhere.

    ``immediate=False`` keeps SQLite's deferred transactions: only for a session that
    never reads-then-writes concurrently (a test's own fixture data), so that its
    reads do not hold the write lock.
    """
    if engine.dialect.name != "sqlite":
        return engine
    if event.contains(engine, "connect", _on_sqlite_connect):
        return engine
    if fcntl is not None:
        event.listen(engine, "do_connect", _use_writer_queue)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)
    return engine


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    if path := _file_of(dbapi_connection):
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        if isinstance(dbapi_connection, QueuedWriterConnection):
            dbapi_connection.queue_file = open(f"{path}-writers", "a")  # noqa: SIM115 - closed with the connection
    cursor.close()


_BEGIN = {"DEFERRED": "BEGIN", "IMMEDIATE": "BEGIN IMMEDIATE"}


def _begin_immediate(connection) -> None:
    _on_sqlite_begin(connection, "IMMEDIATE")


def _begin_deferred(connection) -> None:
    _on_sqlite_begin(connection, "DEFERRED")


def _on_sqlite_begin(connection, default: str) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", default)
    dbapi_connection = connection.connection.dbapi_connection
    if mode == "IMMEDIATE" and isinstance(dbapi_connection, QueuedWriterConnection):
        dbapi_connection.wait_for_turn()
    try:
        # Straight to the driver: this runs for every transaction, and SQLAlchemy's own
        # statement path would cost more than the BEGIN itself.
        dbapi_connection.execute(_BEGIN[mode])
    except BaseException:
        if isinstance(dbapi_connection, QueuedWriterConnection):
            dbapi_connection.end_turn()
        raise


def _file_of(dbapi_connection) -> str:
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    return next((row[2] for row in rows if row[1] == "main" and row[2]), "")


def _use_writer_queue(_dialect, _record, _cargs, cparams) -> None:
    cparams.setdefault("factory", QueuedWriterConnection)


class QueuedWriterConnection(sqlite3.Connection):
    """A pysqlite connection that holds the file's writer lock from ``BEGIN IMMEDIATE`` to
    the end of the transaction. The kernel drops the lock if the process dies."""

    queue_file = None
    _turn = False

    def wait_for_turn(self) -> None:
        """Poll the lock in steps of at most half a millisecond (far finer than SQLite's busy
        handler), and give up like SQLite would after the busy timeout: a hung writer, or
        a thread opening a second write transaction of its own, gets an error, not a hang."""
        if self.queue_file is None or self._turn:
            return
        deadline, pause = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000, 0.00005
        while True:
            try:
                fcntl.flock(self.queue_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
            else:
                self._turn = True
                return

    def end_turn(self) -> None:
        if self._turn:
            self._turn = False
            fcntl.flock(self.queue_file, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self.queue_file is not None:
                self.queue_file.close()
