"""Ledger benchmark: writes JSON to bench/results/ledger.json and prints a table.

    python bench/ledger.py [--quick] [--transfers N] [--seconds S]

1. Single-transfer transactions, each committed on its own, through ``points.transfer``
   on SQLite (file, WAL, synchronous=FULL: durable commits) and PostgreSQL
   (BENCH_DATABASE_URL), from one client.
2. The same work done by the raw driver (sqlite3 / psycopg) with the ledger's own SQL:
   lock both accounts in id order and read their balances and chain heads, insert the
   transaction, one conditional UPDATE of both balances and heads, both postings in one
   INSERT, one commit — the physical limit of this machine for that SQL.
3. PostgreSQL only: 1, 4 and 8 concurrent clients, each a separate process with its own
   connection, moving one point at a time between random pairs of 50 members (a fixed
   seed per client), each transfer committed on its own, for a fixed number of seconds;
   through the ledger and through the raw driver with the same SQL. Issue 22's targets:
   4 clients at least 1.4x one client, 8 clients no slower than 4 (each pass or fail in
   the JSON). SQLite has one writer at a time, so there only one client is measured.
4. Balance reads (``points.balance``) with 10^4, 10^5 and 10^6 postings in the ledger,
   next to summing the postings, which is what a ledger without a materialized
   balance would have to do.

Rates are medians over rounds, ledger and raw driver taking turns, so that a slow spell
of the disk's fsync does not land on one side only. Targets: the ledger reaches at least
a third of the raw rate (issue 16); the 10^6 read is within 2x of the 10^4 read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
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
ACCOUNTS = 50
CLIENTS = (1, 4, 8)


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
            "WHERE address IN (?, ?) ORDER BY id" + ("" if dialect == "sqlite" else " FOR NO KEY UPDATE")
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


def _client(mode: str, url: str, seed: int, seconds: float, start, results) -> None:
    """One client process with its own engine or driver connection: transfers of one point
    between random pairs of the ACCOUNTS members (``seed`` fixes its sequence), each
    committed on its own, for ``seconds`` after ``start`` releases every client at once.
    Reports how many it made, when it began and ended, and the CPU time it used."""
    try:
        pairs = random.Random(seed)
        engine = create_engine(url, pool_size=1)
        if mode == "ledger":
            session = Session(engine)

            def move(source: str, destination: str) -> None:
                points.transfer(session, source, destination, 1, kind="award")
                session.commit()

        else:
            sql = _raw_sql(engine.dialect.name)
            db, cur = _raw_connection(engine)

            def move(source: str, destination: str) -> None:
                raw_transfer(cur, sql, source, destination, 1)

        start.wait()
        began, cpu = time.monotonic(), time.process_time()
        done = 0
        while time.monotonic() < began + seconds:
            move(*(f"member:{n}" for n in pairs.sample(range(ACCOUNTS), 2)))
            done += 1
        results.put((done, began, time.monotonic(), time.process_time() - cpu))
        (session if mode == "ledger" else db).close()
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        start.abort()
        results.put(repr(error))


def clients_rate(engine, mode: str, clients: int, seconds: float) -> tuple[float, float]:
    """Transfers per second of ``clients`` separate processes writing at once through the
    ledger (``mode="ledger"``) or the raw driver with the same SQL (``"raw"``): all their
    transfers over the time from the first one's start to the last one's end; and the
    clients' own CPU milliseconds per transfer (the database server's not included)."""
    context = multiprocessing.get_context("forkserver")
    # Clients fork from a server that has imported the ledger, SQLAlchemy and the driver once
    # (Python 3.11's forkserver cannot preload "__main__": it never receives its path).
    context.set_forkserver_preload(["points", "psycopg", "sqlalchemy.dialects.postgresql.psycopg"])
    start, results = context.Barrier(clients + 1), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(target=_client, args=(mode, url, seed, seconds, start, results))
        for seed in range(clients)
    ]
    for process in processes:
        process.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=120)
    outcomes = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    if failed := [o for o in outcomes if isinstance(o, str)]:
        raise RuntimeError(f"a {mode} client failed: {failed[0]}")
    done = sum(o[0] for o in outcomes)
    elapsed = max(o[2] for o in outcomes) - min(o[1] for o in outcomes)
    return done / elapsed, 1000 * sum(o[3] for o in outcomes) / done


def open_members(engine) -> None:
    """The ACCOUNTS members the clients move points between, each with plenty to give."""
    with Session(engine) as session:
        points.post(
            session,
            [("street:1:issuance", -ACCOUNTS * 10**6)] + [(f"member:{n}", 10**6) for n in range(ACCOUNTS)],
            kind="issue",
        )
        session.commit()


def concurrency(engine, seconds: float, rounds: int) -> dict:
    """1, 4 and 8 client processes, ledger and raw driver taking turns, ``rounds`` times:
    the median of each, the scaling ratios, and issue 22's targets, passed or not."""
    open_members(engine)
    runs = []
    for r in range(rounds):
        for n in CLIENTS:
            for mode in ("ledger", "raw"):
                rate, cpu = clients_rate(engine, mode, n, seconds)
                runs.append(
                    {
                        "round": r,
                        "clients": n,
                        "mode": mode,
                        "rate": round(rate, 1),
                        "client_cpu_ms": round(cpu, 3),
                    }
                )

    def median(field: str, mode: str, n: int) -> float:
        return statistics.median(run[field] for run in runs if (run["mode"], run["clients"]) == (mode, n))

    rate = {(mode, n): median("rate", mode, n) for mode in ("ledger", "raw") for n in CLIENTS}
    scaling = {
        mode: {"4_vs_1": rate[mode, 4] / rate[mode, 1], "8_vs_4": rate[mode, 8] / rate[mode, 4]}
        for mode in ("ledger", "raw")
    }
    targets = [("ledger, 4 clients vs 1", "4_vs_1", 1.4), ("ledger, 8 clients vs 4", "8_vs_4", 1.0)]
    return {
        "accounts": ACCOUNTS,
        "seconds_per_run": seconds,
        "rounds": rounds,
        "transfers_per_second": {
            mode: {str(n): round(rate[mode, n], 1) for n in CLIENTS} for mode in ("ledger", "raw")
        },
        "scaling": {mode: {k: round(v, 3) for k, v in ratios.items()} for mode, ratios in scaling.items()},
        "ledger_vs_raw": {str(n): round(rate["ledger", n] / rate["raw", n], 3) for n in CLIENTS},
        "client_cpu_ms_per_transfer": {
            mode: {str(n): median("client_cpu_ms", mode, n) for n in CLIENTS} for mode in ("ledger", "raw")
        },
        "targets": [
            {
                "target": name,
                "at_least": bound,
                "measured": round(scaling["ledger"][key], 3),
                "pass": scaling["ledger"][key] >= bound,
            }
            for name, key, bound in targets
        ],
        "runs": runs,
    }


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


@dataclass(frozen=True)
class Plan:
    """How much to measure: ``--quick`` shrinks every part to a smoke run."""

    transfers: int  # per single-client round
    rounds: int  # single-client rounds, ledger and raw in turn
    sizes: list[int]  # postings in the ledger for the balance reads
    seconds: float  # per concurrent-clients run
    client_rounds: int


def run(kind: str, plan: Plan) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        engine = fresh_engine(kind, Path(workdir))
        setup(engine)
        rounds = [
            (ledger_rate(engine, plan.transfers), raw_rate(engine, plan.transfers))
            for _ in range(plan.rounds)
        ]
        # SQLite has one writer at a time: its concurrent clients could only queue.
        clients = concurrency(engine, plan.seconds, plan.client_rounds) if kind == "postgresql" else None
        reads = balance_reads(engine, plan.sizes)
        engine.dispose()
    ledger = statistics.median(r[0] for r in rounds)
    raw = statistics.median(r[1] for r in rounds)
    read_ratio = reads[-1]["balance_read_ms"] / reads[0]["balance_read_ms"]
    return {
        "transfers_per_second": round(ledger, 1),
        "postings_per_second": round(2 * ledger, 1),
        "raw_transfers_per_second": round(raw, 1),
        "raw_postings_per_second": round(2 * raw, 1),
        "ledger_vs_raw": round(ledger / raw, 3),
        "target_ledger_vs_raw": 0.333,
        "rounds_ledger_vs_raw": [{"ledger": round(a, 1), "raw": round(b, 1)} for a, b in rounds],
        **({"concurrent_clients": clients} if clients else {}),
        "balance_reads": reads,
        "read_ratio_largest_vs_smallest": round(read_ratio, 3),
        "target_read_ratio": 2.0,
        "read_target_pass": read_ratio <= 2.0,
    }


def table(report: dict) -> str:
    """The figures issue 22 asks for, as a text table."""
    sqlite, pg = report["sqlite"], report["postgresql"]
    clients = pg["concurrent_clients"]
    rate, scaling = clients["transfers_per_second"], clients["scaling"]
    lines = [
        f"{'':28}{'ledger':>10}{'raw':>10}{'ledger/raw':>12}",
        f"{'SQLite, 1 client':28}{sqlite['transfers_per_second']:>10}"
        f"{sqlite['raw_transfers_per_second']:>10}{sqlite['ledger_vs_raw']:>12}",
        f"{'PostgreSQL, 1 client (loop)':28}{pg['transfers_per_second']:>10}"
        f"{pg['raw_transfers_per_second']:>10}{pg['ledger_vs_raw']:>12}",
        *(
            f"{f'PostgreSQL, {n} process(es)':28}{rate['ledger'][str(n)]:>10}{rate['raw'][str(n)]:>10}"
            f"{clients['ledger_vs_raw'][str(n)]:>12}"
            for n in CLIENTS
        ),
        *(
            f"{f'PostgreSQL, {label}':28}{scaling['ledger'][key]:>10}{scaling['raw'][key]:>10}"
            for label, key in (("4 / 1 clients", "4_vs_1"), ("8 / 4 clients", "8_vs_4"))
        ),
        *(
            f"target {t['target']} >= {t['at_least']}: {t['measured']} {'pass' if t['pass'] else 'FAIL'}"
            for t in clients["targets"]
        ),
        *(
            f"{name} balance read, {r['postings']:>8} postings: {r['balance_read_ms']} ms"
            f" (summing them: {r['sum_of_postings_ms']} ms)"
            for name, results in (("SQLite", sqlite), ("PostgreSQL", pg))
            for r in results["balance_reads"]
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--transfers", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="per concurrent-clients run")
    args = parser.parse_args()
    plan = Plan(
        transfers=args.transfers or (200 if args.quick else 3000),
        rounds=3 if args.quick else 5,
        sizes=[10**3, 10**4, 10**5] if args.quick else [10**4, 10**5, 10**6],
        seconds=args.seconds or (3.0 if args.quick else 10.0),
        client_rounds=2 if args.quick else 3,
    )
    report = {
        "benchmark": "ledger",
        "transfers": plan.transfers,
        "sqlite": run("sqlite", plan),
        "postgresql": run("postgresql", plan),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(report, indent=2))
    print(table(report))


if __name__ == "__main__":
    main()
