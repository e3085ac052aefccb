"""Writers in separate processes, and in threads, against the configured database (issue 22).

Every writer opens its own engine from the database's URL, as each application server
does, so no Python lock, connection pool or session is shared: only the database keeps
them apart (a SQLite file, never ``:memory:``, or PostgreSQL). They start together at
one barrier; each test then checks the exact balances and that ``verify`` is clean.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

import points
from points.db import configure_engine
from points.models import Seal

pytestmark = pytest.mark.concurrency
WRITERS = 6
TRANSFERS = 10  # per writer
# Processes fork from a server that has imported the ledger once, so each starts in milliseconds.
PROCESSES = multiprocessing.get_context("forkserver")
PROCESSES.set_forkserver_preload(["points", "sqlalchemy.orm"])


def _writer(url: str, job, index: int, start, results) -> None:
    """One writer: its own engine, then ``job(sessions, index)`` once every writer is ready;
    puts ``(index, what it returned)``, or ``(index, the traceback)`` if it raised."""
    try:
        engine = configure_engine(create_engine(url))
        sessions = sessionmaker(engine, expire_on_commit=False)
        start.wait(timeout=60)
        results.put((index, job(sessions, index)))
        engine.dispose()
    except BaseException:  # noqa: BLE001 - the test fails with it
        start.abort()
        results.put((index, traceback.format_exc()))


def run_writers(engine, job, how: str) -> list:
    """Run ``job`` in WRITERS processes or threads at once; what each returned, in order."""
    url = engine.url.render_as_string(hide_password=False)
    if how == "processes":
        start, results, kind = PROCESSES.Barrier(WRITERS), PROCESSES.Queue(), PROCESSES.Process
    else:
        start, results, kind = threading.Barrier(WRITERS), queue.Queue(), threading.Thread
    writers = [kind(target=_writer, args=(url, job, i, start, results)) for i in range(WRITERS)]
    for writer in writers:
        writer.start()
    returned = dict(results.get(timeout=120) for _ in writers)
    for writer in writers:
        writer.join(timeout=30)
    failed = [r for r in returned.values() if isinstance(r, str)]
    assert not failed, failed[0]
    return [returned[i] for i in range(WRITERS)]


def _amount(index: int) -> int:
    """Each writer moves its own amount, so a lost or doubled transfer shows in the sums."""
    return index + 1


def swap(sessions, index: int) -> int:
    """Even writers pay user:1 → user:2, odd ones user:2 → user:1, one commit each."""
    source, destination = ("user:1", "user:2") if index % 2 == 0 else ("user:2", "user:1")
    for _ in range(TRANSFERS):
        with sessions() as session:
            points.transfer(session, source, destination, _amount(index), kind="gift")
            session.commit()
    return TRANSFERS


def pay_hot(sessions, index: int) -> int:
    """Every writer pays the one hot account from a budget of its own."""
    for _ in range(TRANSFERS):
        with sessions() as session:
            points.transfer(session, f"community:{index}:budget", "user:hot", _amount(index), kind="award")
            session.commit()
    return TRANSFERS


def spend(sessions, index: int) -> tuple[int, int]:
    """Three attempts to spend 10 from user:1: how many succeeded, how many were refused."""
    succeeded = refused = 0
    for _ in range(3):
        with sessions() as session:
            try:
                points.transfer(session, "user:1", "market:redeemed", 10, kind="redeem")
                session.commit()
                succeeded += 1
            except points.InsufficientPoints:
                refused += 1
    return succeeded, refused


def pay_hot_or_seal(sessions, index: int) -> int:
    """Writer 0 seals, again and again, while the others pay the hot account."""
    if index:
        return pay_hot(sessions, index)
    for _ in range(TRANSFERS):
        with sessions() as session:
            points.seal(session)
            session.commit()
    return TRANSFERS


BOTH = pytest.mark.parametrize("how", ["processes", "threads"])


@BOTH
def test_opposite_transfers_neither_deadlock_nor_lose_an_update(engine, sessions, fund, verified, how):
    fund("user:1", 1000)
    fund("user:2", 1000)
    assert run_writers(engine, swap, how) == [TRANSFERS] * WRITERS
    to_two = sum(TRANSFERS * _amount(i) for i in range(0, WRITERS, 2))
    to_one = sum(TRANSFERS * _amount(i) for i in range(1, WRITERS, 2))
    with sessions() as session:
        assert points.balance(session, "user:1").total == 1000 - to_two + to_one
        assert points.balance(session, "user:2").total == 1000 + to_two - to_one
    verified()


@BOTH
def test_a_hot_account_paid_by_many_writers_gets_every_payment(engine, sessions, fund, verified, how):
    for i in range(WRITERS):
        fund(f"community:{i}:budget", 1000)
    run_writers(engine, pay_hot, how)
    with sessions() as session:
        assert points.balance(session, "user:hot").total == sum(
            TRANSFERS * _amount(i) for i in range(WRITERS)
        )
        for i in range(WRITERS):
            assert points.balance(session, f"community:{i}:budget").total == 1000 - TRANSFERS * _amount(i)
    verified()


@BOTH
def test_racing_overdrafts_let_exactly_the_affordable_spends_through(engine, sessions, fund, verified, how):
    fund("user:1", 70)  # covers 7 of the 18 attempts
    outcomes = run_writers(engine, spend, how)
    assert sum(s for s, _ in outcomes) == 7 and sum(r for _, r in outcomes) == 3 * WRITERS - 7, outcomes
    with sessions() as session:
        assert points.balance(session, "user:1").total == 0
        assert points.balance(session, "market:redeemed").total == 70
    verified()


@BOTH
def test_seals_taken_among_writers_vouch_only_for_what_they_committed(engine, sessions, fund, verified, how):
    """A seal reads the accounts' heads without locking them: each is the end of a committed
    prefix of its chain, so the postings committed after it extend the chains it sealed."""
    for i in range(1, WRITERS):
        fund(f"community:{i}:budget", 1000)
    run_writers(engine, pay_hot_or_seal, how)
    with sessions() as session:
        assert points.balance(session, "user:hot").total == sum(
            TRANSFERS * _amount(i) for i in range(1, WRITERS)
        )
        assert session.scalar(select(func.count()).select_from(Seal)) == TRANSFERS
    verified()
