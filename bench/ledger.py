"""Ledger benchmark: writes JSON to bench/results/ledger.json (and stdout).

    python bench/ledger.py [--quick] [--transfers N]

1. Single-transfer transactions, each committed on its own, through ``points.transfer``
   on SQLite (file, WAL, synchronous=FULL: durable commits) and PostgreSQL
   (BENCH_DATABASE_URL).
2. The same work done by the raw driver (sqlite3 / psycopg) with the ledger's own SQL:
   lock both accounts in id order and read their balances and chain heads, insert the
   transaction, one conditional UPDATE of both balances and heads, both postings in one
   INSERT, one commit — the physical limit of this machine for that SQL.
3. Balance reads (``points.balance``) with 10^4, 10^5 and 10^6 postings in the ledger,
   next to summing the postings, which is what a ledger without a materialized
   balance would have to do.

Rates are the median of ROUNDS rounds, ledger and raw driver taking turns, so that a
slow spell of the disk's fsync does not land on one side only.
4. Concurrent writers: 1, 4 and 8 client threads, each transfer committed on its own,
   between accounts of each client's own, and all from one shared budget account. With
   a chain per account (no global lock) the first should rise with clients on PostgreSQL
   (its commits group); the second is bounded by the one account's lock.
Targets: the ledger reaches at least a third of the raw rate (issue 16); the 10^6 read
is within 2x of the 10^4 read.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import points  # noqa: E402
from points import ledger  # noqa: E402
from points.db import configure_engine  # noqa: E402
from points.models import Account, Posting  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench")
LEDGER_TABLES = [t for n, t in points.Base.metadata.tables.items() if n.startswith("ledger_")]
ROUNDS = 5


def fresh_engine(kind: str, workdir: Path):
    if kind == "sqlite":
        return configure_engine(create_engine(f"sqlite:///{workdir / 'bench.db'}"))
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


def setup(engine) -> None:
    points.Base.metadata.create_all(engine, tables=LEDGER_TABLES)
    with Session(engine) as session:
        points.transfer(session, "street:1:issuance", "community:1:budget", 10**9, kind="issue")
        session.commit()


def ledger_rate(engine, transfers: int) -> float:
    start = time.perf_counter()
    with Session(engine) as session:
        for i in range(transfers):
            points.transfer(session, "community:1:budget", f"user:{i % 50}", 1, kind="award")
            session.commit()
    return transfers / (time.perf_counter() - start)


def _raw_sql(dialect: str) -> dict[str, str]:
    """The statements ``points.ledger.post`` sends for a two-account transfer, in the
    driver's parameter style."""

    def native(sql: str) -> str:
        return sql if dialect == "sqlite" else sql.replace("?", "%s")

    return {
        "begin": "BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN",
        "lock": native(
            "SELECT id, address, balance, pending, may_go_negative, head FROM ledger_accounts "
            "WHERE address IN (?, ?) ORDER BY id" + ("" if dialect == "sqlite" else " FOR UPDATE")
        ),
        "tx": native(
            "INSERT INTO ledger_transactions (kind, memo, reference, actor_id, created_at, idempotency_key, "
            "fingerprint, reverses_id, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
        ),
        "balances": native(
            "UPDATE ledger_accounts SET balance = balance + CASE id WHEN ? THEN ? WHEN ? THEN ? END, "
            "head = CASE id WHEN ? THEN ? WHEN ? THEN ? END WHERE id IN (?, ?) AND "
            "(CASE id WHEN ? THEN ? WHEN ? THEN ? END > 0 OR may_go_negative OR "
            "balance - pending + CASE id WHEN ? THEN ? WHEN ? THEN ? END >= 0) RETURNING id"
        ),
        "postings": native(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount, balance_after, hash) "
            "VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"
        ),
    }


def _raw_connection(engine):
    if engine.dialect.name == "sqlite":
        db = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # as points.db.configure_engine sets it
        db.execute("PRAGMA busy_timeout = 30000")
        return db, db
    import psycopg

    db = psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    return db, db.cursor()


def raw_transfer(cur, sql: dict[str, str], source: str, destination: str, amount: int) -> None:
    """One transfer as the ledger makes it: lock both accounts, hash in Python, write."""
    cur.execute(sql["begin"])
    rows = {row[1]: row for row in cur.execute(sql["lock"], (source, destination)).fetchall()}
    (src, _, src_balance, *_, src_head), (dst, _, dst_balance, *_, dst_head) = rows[source], rows[destination]
    src_after, dst_after = src_balance - amount, dst_balance + amount
    now = points.utcnow()
    tx_hash = ledger.transaction_hash("award", "", None, now, [(source, -amount), (destination, amount)])
    created = now.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(cur, sqlite3.Connection) else now
    tx_id = cur.execute(
        sql["tx"], ("award", "", None, None, created, None, "f" * 64, None, tx_hash)
    ).fetchone()[0]
    src_link = ledger.link_hash(src_head, tx_id, tx_hash, -amount, src_after)
    dst_link = ledger.link_hash(dst_head, tx_id, tx_hash, amount, dst_after)
    cases = (src, -amount, dst, amount)
    changed = cur.execute(
        sql["balances"], (*cases, src, src_link, dst, dst_link, src, dst, *cases, *cases)
    ).fetchall()
    assert len(changed) == 2
    cur.execute(
        sql["postings"],
        (tx_id, src, -amount, src_after, src_link, tx_id, dst, amount, dst_after, dst_link),
    )
    cur.execute("COMMIT")


def raw_rate(engine, transfers: int) -> float:
    """The same statements as the ledger's, by the driver alone, one commit each."""
    sql = _raw_sql(engine.dialect.name)
    db, cur = _raw_connection(engine)
    start = time.perf_counter()
    for i in range(transfers):
        raw_transfer(cur, sql, "community:1:budget", f"user:{i % 50}", 1)
    elapsed = time.perf_counter() - start
    db.close()
    return transfers / elapsed


def concurrent_rate(engine, transfers: int, clients: int, *, shared: bool) -> float:
    """``transfers`` in all from ``clients`` threads, each committed on its own: between
    accounts of each client's own (``shared=False``: nothing in common, as redemptions
    of different members to different counters), or all from one budget account."""
    barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        source = "community:1:budget" if shared else f"user:{n}:wallet"
        with Session(engine) as session:
            barrier.wait()
            for i in range(transfers // clients):
                points.transfer(session, source, f"user:{n}:{i % 10}", 1, kind="award")
                session.commit()

    if not shared:
        with Session(engine) as session:
            for n in range(clients):
                points.transfer(session, "community:1:budget", f"user:{n}:wallet", 10**6, kind="award")
            session.commit()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return (transfers // clients) * clients / (time.perf_counter() - start)


def load_postings(engine, total: int) -> None:
    """Bulk history for the read test: ``total`` postings, a tenth of them on user:hot."""
    with Session(engine) as session:
        points.transfer(session, "community:1:budget", "user:hot", 1, kind="award")
        session.commit()
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Account.address, Account.id)).all())
        tx_id = conn.execute(select(func.max(Posting.transaction_id))).scalar()
        have = conn.execute(select(func.count()).select_from(Posting)).scalar()
    # The read benchmark needs volume, not valid chains: every bulk posting has a dummy hash.
    rows = [
        (tx_id, ids["user:hot"] if i % 10 == 0 else ids["user:1"], 1, 0, "0" * 64)
        for i in range(total - have)
    ]
    if engine.dialect.name == "sqlite":
        db = sqlite3.connect(engine.url.database)
        db.executemany(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount, balance_after, hash) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        db.commit()
        db.close()
        return
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql")) as db:
        db.execute("ALTER TABLE ledger_postings DISABLE TRIGGER USER")
        with db.cursor().copy(
            "COPY ledger_postings (transaction_id, account_id, amount, balance_after, hash) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        db.execute("ALTER TABLE ledger_postings ENABLE TRIGGER USER")
        db.execute("ANALYZE ledger_postings")


def timed(fn, repeat: int = 200) -> float:
    """Median milliseconds of ``fn`` over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def balance_reads(engine, sizes: list[int]) -> list[dict]:
    results = []
    for size in sizes:
        load_postings(engine, size)
        with Session(engine) as session:
            materialized = timed(lambda: points.balance(session, "user:hot"))
            summed = timed(
                lambda: session.scalar(
                    select(func.sum(Posting.amount)).join(Account).where(Account.address == "user:hot")
                ),
                repeat=5,
            )
        results.append(
            {
                "postings": size,
                "balance_read_ms": round(materialized, 4),
                "sum_of_postings_ms": round(summed, 3),
            }
        )
    return results


def run(kind: str, transfers: int, sizes: list[int]) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        engine = fresh_engine(kind, Path(workdir))
        setup(engine)
        rounds = [(ledger_rate(engine, transfers), raw_rate(engine, transfers)) for _ in range(ROUNDS)]
        clients = {
            f"{kind_}_{n}_clients": round(
                statistics.median(
                    concurrent_rate(engine, transfers, n, shared=kind_ == "shared") for _ in range(3)
                ),
                1,
            )
            for kind_ in ("separate", "shared")
            for n in (1, 4, 8)
        }
        reads = balance_reads(engine, sizes)
        engine.dispose()
    ledger = statistics.median(r[0] for r in rounds)
    raw = statistics.median(r[1] for r in rounds)
    return {
        "transfers_per_second": round(ledger, 1),
        "postings_per_second": round(2 * ledger, 1),
        "raw_transfers_per_second": round(raw, 1),
        "raw_postings_per_second": round(2 * raw, 1),
        "ledger_vs_raw": round(ledger / raw, 3),
        "target_ledger_vs_raw": 0.333,
        "rounds_ledger_vs_raw": [{"ledger": round(a, 1), "raw": round(b, 1)} for a, b in rounds],
        "concurrent_transfers_per_second": clients,
        "balance_reads": reads,
        "read_ratio_largest_vs_smallest": round(
            reads[-1]["balance_read_ms"] / reads[0]["balance_read_ms"], 3
        ),
        "target_read_ratio": 2.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--transfers", type=int, default=None)
    args = parser.parse_args()
    transfers = args.transfers or (300 if args.quick else 3000)
    sizes = [10**3, 10**4, 10**5] if args.quick else [10**4, 10**5, 10**6]
    report = {
        "benchmark": "ledger",
        "transfers": transfers,
        "sqlite": run("sqlite", transfers, sizes),
        "postgresql": run("postgresql", transfers, sizes),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
