"""Orders benchmark: writes JSON to bench/results/orders.json (and stdout).

    python bench/orders.py [--quick]

1. Full loops (place → dispatch → accept → complete → rate, each step committed as
   a request would) per second through the service layer, on SQLite and PostgreSQL.
2. With 10^5 orders in the database: the staff dispatch queue (first page) and a
   volunteer's task board (first page), median milliseconds, with the query plan
   that shows which index serves them. Target: under 50 ms each on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402
from points.base import utcnow  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench")


def make_app(kind: str, workdir: Path):
    url = f"sqlite:///{workdir / 'orders.db'}" if kind == "sqlite" else PG_URL
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        if kind == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    return app


def world():
    """A street with one community, staff, a resident and volunteers, a funded budget."""
    from engage.auth.services import create_user
    from engage.community.models import Community, District, Grid, MicroGrid, Street
    from engage.ledger.services import issue_budget
    from engage.orders.categories import add_defaults

    street = Street(district=District(name="基准区"), name="基准街道")
    community = Community(street=street, name="基准社区")
    db.session.add_all([street, community])
    db.session.flush()
    grid = Grid(community_id=community.id, name="网格")
    db.session.add(grid)
    db.session.flush()
    micro_grid = MicroGrid(grid_id=grid.id, community_id=community.id, name="微网格")
    db.session.add(micro_grid)
    db.session.flush()
    users = {
        name: create_user(
            db.session,
            username=name,
            password="bench-password",
            display_name=name,
            roles=roles,
            community_id=community.id,
            **extra,
        )
        for name, roles, extra in (
            ("admin", ["admin"], {"street_id": street.id}),
            ("staff", ["staff"], {}),
            ("resident", ["resident"], {}),
            ("volunteer", ["volunteer"], {}),
        )
    }
    users["volunteer"].micro_grid_id = micro_grid.id
    add_defaults(db.session, community.id)
    issue_budget(db.session, users["admin"], community.id, 10**8, "bench")
    db.session.commit()
    return community, micro_grid, users


def loops_per_second(users: dict, loops: int) -> float:
    from engage.orders import services

    resident, staff, volunteer = users["resident"], users["staff"], users["volunteer"]
    start = time.perf_counter()
    for i in range(loops):
        order = services.place_order(db.session, resident, category="errand", title=f"代办 {i}")
        db.session.commit()
        for step in (
            lambda o: services.dispatch_order(db.session, staff, o.id),
            lambda o: services.accept_order(db.session, volunteer, o.id),
            lambda o: services.complete_order(db.session, volunteer, o.id, note="完成"),
            lambda o: services.rate_order(db.session, resident, o.id, stars=5),
        ):
            order = step(order)
            db.session.commit()
    return loops / (time.perf_counter() - start)


def bulk_orders(community, micro_grid, users: dict, total: int) -> None:
    """``total`` orders in every status, mostly closed, as a year of history looks."""
    from engage.orders.models import OrderCategory, ServiceOrder

    category_id = db.session.scalar(
        db.select(OrderCategory.id).where(OrderCategory.community_id == community.id)
    )
    now = utcnow()
    statuses = ["closed"] * 14 + ["placed", "dispatched", "accepted", "cancelled", "completed"] + ["closed"]
    rows = []
    for i in range(total):
        status = statuses[i % len(statuses)]
        created = now - timedelta(minutes=i)
        rows.append(
            {
                "community_id": community.id,
                "micro_grid_id": micro_grid.id,
                "category_id": category_id,
                "title": f"历史订单 {i}",
                "description": "",
                "channel": "app",
                "requester_id": users["resident"].id,
                "placed_by_id": users["resident"].id,
                "status": status,
                "volunteer_id": users["volunteer"].id
                if status in ("accepted", "completed", "closed")
                else None,
                "dispatch_by": created + timedelta(days=1),
                "accept_by": created + timedelta(days=2),
                "resolve_by": created + timedelta(days=7),
                "escalation_level": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(rows) == 10_000:
            db.session.execute(insert(ServiceOrder), rows)
            rows = []
    if rows:
        db.session.execute(insert(ServiceOrder), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def median_ms(fn, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return round(statistics.median(samples), 3)


def plan(stmt) -> list[str]:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return [" ".join(str(c) for c in row) for row in rows]


def run(kind: str, loops: int, total: int) -> dict:
    from engage.orders import queries

    with tempfile.TemporaryDirectory() as workdir:
        app = make_app(kind, Path(workdir))
        with app.app_context():
            community, micro_grid, users = world()
            rate = loops_per_second(users, loops)
            bulk_orders(community, micro_grid, users, total)
            staff, volunteer = users["staff"], users["volunteer"]
            queue_ms = median_ms(lambda: queries.staff_queue(db.session, staff, status="placed").items)
            board_ms = median_ms(lambda: queries.task_board(db.session, volunteer).items)
            queue_plan = plan(queries.staff_queue_query(db.session, staff).limit(50))
            board_plan = plan(queries.task_board_query(db.session, volunteer).limit(30))
            db.engine.dispose()
    return {
        "loops_per_second": round(rate, 1),
        "orders_in_database": total,
        "dispatch_queue_ms": queue_ms,
        "task_board_ms": board_ms,
        "target_ms": 50,
        "dispatch_queue_plan": queue_plan,
        "task_board_plan": board_plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    loops, total = (50, 10_000) if args.quick else (300, 100_000)
    report = {
        "benchmark": "orders",
        "loops": loops,
        "sqlite": run("sqlite", loops, total),
        "postgresql": run("postgresql", loops, total),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "orders.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
