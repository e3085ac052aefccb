"""Ledger benchmark: writes JSON to bench/results/ledger.json (and stdout).

    python bench/ledger.py [--quick] [--transfers N]

1. Single-transfer transactions, each committed on its own, through ``points.transfer``
   on SQLite (file, WAL, synchronous=FULL: durable commits) and PostgreSQL
   (BENCH_DATABASE_URL).
2. The same work done by the raw driver (sqlite3 / psycopg) with the ledger's own
   statements as SQLAlchemy compiles them: lock the ledger head, insert the transaction
   (its trigger moves the head), one conditional UPDATE of both balances (finding the
   accounts by address), both postings in one executemany, one commit — the physical
   limit of this machine for that SQL.
3. Balance reads (``points.balance``) with 10^4, 10^5 and 10^6 postings in the ledger,
   next to summing the postings, which is what a ledger without a materialized
   balance would have to do.

Rates are the median of ROUNDS rounds, ledger and raw driver taking turns, so that a
slow spell of the disk's fsync does not land on one side only.
Targets: the ledger reaches at least a third of the raw rate (issue 16); the 10^6 read is within
2x of the 10^4 read.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
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


def _compiled(statement, dialect, column_keys: list[str] | None = None):
    """A ledger statement as SQLAlchemy compiles it for ``dialect``, and how to turn named
    values into what the driver takes (positional on SQLite)."""
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    given = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    order = compiled.positiontup

    def values(named: dict):
        every = {**given, **named}
        return [every[name] for name in order] if order else every

    return compiled.string, values


def _raw_sql(dialect) -> dict:
    """The ledger's own statements (points.ledger), compiled as SQLAlchemy sends them."""
    tx_columns = ["kind", "memo", "reference", "actor_id", "created_at", "idempotency_key"]
    tx_columns += ["fingerprint", "reverses_id", "prev_hash", "hash"]
    posting_columns = ["transaction_id", "account_id", "amount", "balance_after"]
    return {
        "lock": _compiled(ledger._LOCK_HEAD, dialect),
        "tx": _compiled(ledger._insert_tx().element, dialect, tx_columns),
        "balances": _compiled(ledger._change_balances(2), dialect),
        "postings": _compiled(ledger._INSERT_POSTINGS, dialect, posting_columns),
    }


def raw_rate(engine, transfers: int) -> float:
    """The same statements as the ledger's, by the driver alone, one commit each: lock the
    head, insert the transaction, change both balances, insert both postings."""
    dialect = engine.dialect.name
    sql = _raw_sql(engine.dialect)
    if dialect == "sqlite":
        db = sqlite3.connect(engine.url.database, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # as points.db.configure_engine sets it
        cur = db
    else:
        import psycopg

        db = psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        cur = db.cursor()
    lock, lock_values = sql["lock"]
    tx_sql, tx_values = sql["tx"]
    balances, balance_values = sql["balances"]
    postings, posting_values = sql["postings"]
    start = time.perf_counter()
    for i in range(transfers):
        user = f"user:{i % 50}"
        cur.execute("BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
        prev = cur.execute(lock, lock_values({})).fetchone()[0]
        tx = {"kind": "award", "memo": "", "reference": None, "actor_id": None}
        tx |= {"created_at": "2026-01-01 00:00:00", "idempotency_key": None, "fingerprint": "f" * 64}
        tx |= {"reverses_id": None, "prev_hash": prev, "hash": "h" * 64}
        tx_id = cur.execute(tx_sql, tx_values(tx)).fetchone()[0]
        change = {"address_0": "community:1:budget", "amount_0": -1, "address_1": user, "amount_1": 1}
        changed = {
            address: (account_id, after)
            for address, account_id, after in cur.execute(balances, balance_values(change)).fetchall()
        }
        cur.executemany(
            postings,
            [
                posting_values(
                    {
                        "transaction_id": tx_id,
                        "account_id": changed[address][0],
                        "amount": amount,
                        "balance_after": changed[address][1],
                    }
                )
                for address, amount in (("community:1:budget", -1), (user, 1))
            ],
        )
        cur.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return transfers / elapsed


def load_postings(engine, total: int) -> None:
    """Bulk history for the read test: ``total`` postings, a tenth of them on user:hot."""
    with Session(engine) as session:
        points.transfer(session, "community:1:budget", "user:hot", 1, kind="award")
        session.commit()
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Account.address, Account.id)).all())
        tx_id = conn.execute(select(func.max(Posting.transaction_id))).scalar()
        have = conn.execute(select(func.count()).select_from(Posting)).scalar()
    rows = [(tx_id, ids["user:hot"] if i % 10 == 0 else ids["user:1"], 1, 0) for i in range(total - have)]
    if engine.dialect.name == "sqlite":
        db = sqlite3.connect(engine.url.database)
        db.executemany(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount, balance_after) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
        db.commit()
        db.close()
        return
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql")) as db:
        db.execute("ALTER TABLE ledger_postings DISABLE TRIGGER USER")
        with db.cursor().copy(
            "COPY ledger_postings (transaction_id, account_id, amount, balance_after) FROM STDIN"
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
        "target_ledger_vs_raw": round(1 / 3, 3),
        "rounds_ledger_vs_raw": [{"ledger": round(a, 1), "raw": round(b, 1)} for a, b in rounds],
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
