"""Outbox benchmark: writes JSON to bench/results/outbox.json and prints a summary.

    python bench/outbox.py [--quick] [--messages N] [--database-url URL]

1. Enqueueing: the time ``send_sms`` and a notice to one person (``deliver_notice``:
   their preferences, the notice's key, the merge look-up, the row) add to the transaction
   of the request that causes them, measured over 1,000 calls each (median and 99th
   percentile, in milliseconds). Issue 19's target: under 1 ms.
2. Draining: N queued SMS (default 10^5, ``--quick`` 2,000) delivered by one worker
   (``deliver_due``: claim a batch, send, record each try in its own transaction) through
   the file backend, then N more through the Alibaba Cloud adapter against a local fake
   provider (a threaded HTTP server answering ``{"Code": "OK"}``). Messages per second.
3. The claim's query plan with the queue full (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN
   on SQLite), to show it reads the due index, not the table.

SQLite (a file, WAL, durable commits) by default; ``--database-url`` for PostgreSQL
(the schema in that database is dropped and created again). The JSON keeps one entry per
database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engage.models  # noqa: E402, F401 - every table on the shared MetaData
from engage.auth.models import User  # noqa: E402
from engage.outbox.adapters import AliyunSms, FileBackend  # noqa: E402
from engage.outbox.models import OutboxMessage  # noqa: E402
from engage.outbox.preferences import Rules  # noqa: E402
from engage.outbox.services import deliver_notice, send_sms  # noqa: E402
from engage.outbox.worker import Policy, deliver_due  # noqa: E402
from points.base import Base, utcnow  # noqa: E402
from points.db import configure_engine  # noqa: E402

POLICY = Policy(
    rules=Rules(ZoneInfo("Asia/Shanghai"), (22, 7), 8),
    lease=timedelta(minutes=2),
    max_attempts=6,
    retry=timedelta(seconds=30),
    batch=100,
)
CALLS = 1000
INSERT_CHUNK = 5000


def fresh_engine(url: str | None, workdir: Path):
    if url is None:
        return configure_engine(create_engine(f"sqlite:///{workdir / 'bench.db'}"))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


def enqueue_cost(engine) -> dict:
    """Milliseconds each call adds inside a request's transaction (the commit not counted)."""
    with Session(engine) as session:
        person = User(username="bench", password_hash="x", display_name="测", phone="13800000000")
        session.add(person)
        session.commit()
        person_id = person.id
    timings: dict[str, list[float]] = {"send_sms": [], "deliver_notice": []}
    with Session(engine) as session:
        for n in range(CALLS):
            start = time.perf_counter()
            send_sms(session, to="13800000001", text=f"验证码 {n:06d}", kind="sms_code", urgent=True)
            session.flush()
            timings["send_sms"].append(time.perf_counter() - start)
            start = time.perf_counter()
            deliver_notice(
                session, [person_id], kind="status", text=f"您的诉求已签收：{n}", about=f"order:{n}"
            )
            session.flush()
            timings["deliver_notice"].append(time.perf_counter() - start)
            session.commit()
        session.execute(update(OutboxMessage).values(status="sent"))
        session.commit()
    return {
        name: {
            "median_ms": round(statistics.median(values) * 1000, 3),
            "p99_ms": round(sorted(values)[int(len(values) * 0.99)] * 1000, 3),
        }
        for name, values in timings.items()
    }


def queue(engine, count: int, prefix: str) -> None:
    now = utcnow()
    with Session(engine) as session:
        for start in range(0, count, INSERT_CHUNK):
            rows = [
                {
                    "channel": "sms",
                    "kind": "sms_code",
                    "address": f"138{n:08d}",
                    "text": f"验证码 {n:06d}",
                    "urgent": True,
                    "idempotency_key": f"{prefix}:{n}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for n in range(start, min(count, start + INSERT_CHUNK))
            ]
            session.execute(insert(OutboxMessage), rows)
        session.commit()


def drain(engine, adapter, count: int) -> dict:
    with Session(engine) as session:
        start = time.perf_counter()
        counts = deliver_due(session, {"sms": adapter}, POLICY)
        seconds = time.perf_counter() - start
    sent = counts.get("messages sent", 0)
    assert sent == count, counts
    return {"messages": sent, "seconds": round(seconds, 2), "messages_per_second": round(sent / seconds)}


class FakeAliyun(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"Code":"OK","Message":"OK","BizId":"1^0","RequestId":"r"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def claim_plan(engine) -> list[str]:
    """The plan of the claim's row pick, with the queue full of due messages."""
    due = select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= utcnow()
    )
    pick = due.order_by(OutboxMessage.next_attempt_at).limit(POLICY.batch)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE outbox_messages"))
            compiled = pick.with_for_update(skip_locked=True).compile(
                conn, compile_kwargs={"literal_binds": True}
            )
            return list(conn.execute(text(f"EXPLAIN {compiled}")).scalars())
        compiled = pick.compile(conn, compile_kwargs={"literal_binds": True})
        return [row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 messages instead of 100,000")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--database-url", help="PostgreSQL (its public schema is recreated)")
    args = parser.parse_args()
    count = args.messages or (2000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory() as workdir:
        engine = fresh_engine(args.database_url, Path(workdir))
        Base.metadata.create_all(engine)
        result = {"database": engine.dialect.name, "messages": count, "enqueue": enqueue_cost(engine)}
        queue(engine, count, "file")
        result["claim_plan"] = claim_plan(engine)
        result["file_backend"] = drain(engine, FileBackend(str(Path(workdir) / "sms.jsonl")), count)
        server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            adapter = AliyunSms(
                key_id="bench",
                secret="bench",
                sign_name="bench",
                templates={"default": "SMS_1"},
                endpoint=f"http://127.0.0.1:{server.server_address[1]}/",
            )
            queue(engine, count, "http")
            result["fake_provider"] = drain(engine, adapter, count)
        finally:
            server.shutdown()
            server.server_close()
        engine.dispose()
    out = ROOT / "bench" / "results" / "outbox.json"
    kept = json.loads(out.read_text()) if out.exists() else {}
    kept[result["database"]] = result  # one entry per database: a SQLite run keeps PostgreSQL's
    out.write_text(json.dumps(kept, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
