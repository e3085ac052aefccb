"""Routing benchmark (issue 17): writes bench/results/routing.json and prints a table.

    python bench/routing.py [--quick] [--requests N] [--database sqlite|postgresql|both]

Builds a district on SQLite (a file, as deployed) and on PostgreSQL (BENCH_DATABASE_URL):
10 streets of 10 communities, 10 grids each, five departments, and ``N`` requests
(10^6 by default, 10^4 with ``--quick``) on the unit path over two years, each with its
timeline (受理, 分拨, 签收, 反馈, 回访: five steps), in bulk INSERTs through SQLAlchemy Core.
Most are closed; the last weeks hold requests waiting in every status, some overdue.
Statistics are gathered after loading, as autovacuum would.

Then it times, through the services the pages and the API call, 20 runs each after two
warm-ups (median and p95 in milliseconds), as the command centre (``district_admin``):

- the queue's first page for each status, overdue only, and one unit's requests;
- one department's figures (三率) for the last full month;
- the monthly ranking of the departments.

Targets (issue 17): every queue page and the unit's figures under 50 ms median, the
ranking under 500 ms; each pass or fail in the JSON. The query plans of the queue pages
are kept in the JSON too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402
from points.base import utcnow  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench")
STREETS, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 10, 10, 10
DEPARTMENTS = ("城管", "住建", "供电", "水务", "市场监管")
DAYS = 730
BATCH = 5_000
RUNS, WARMUPS = 20, 2
QUEUE_TARGET_MS, RANKING_TARGET_MS = 50, 500


def make_app(kind: str, workdir: Path, *, fresh: bool):
    url = f"sqlite:///{workdir / 'routing.db'}" if kind == "sqlite" else PG_URL
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        if kind == "sqlite" and fresh:
            (workdir / "routing.db").unlink(missing_ok=True)
        if kind == "postgresql" and fresh:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    return app


def world() -> dict:
    """The district's skeleton through the ORM (units are registered as rows are flushed)."""
    from engage.auth.services import create_user
    from engage.community.models import Community, District, Grid, Street
    from engage.orders.categories import add_defaults
    from engage.orders.models import OrderCategory
    from engage.units.models import Department, Unit

    district = District(name="示范区")
    db.session.add(district)
    db.session.flush()
    communities = []
    for s in range(STREETS):
        street = Street(district=district, name=f"第{s + 1}街道")
        db.session.add(street)
        for c in range(COMMUNITIES_PER_STREET):
            community = Community(street=street, name=f"第{s + 1}街道第{c + 1}社区")
            db.session.add(community)
            communities.append(community)
    db.session.flush()
    db.session.add_all(
        Grid(community_id=community.id, name=f"网格{g + 1}")
        for community in communities
        for g in range(GRIDS_PER_COMMUNITY)
    )
    departments = [Department(district_id=district.id, name=name) for name in DEPARTMENTS]
    db.session.add_all(departments)
    db.session.flush()
    for community in communities:
        add_defaults(db.session, community.id)
    centre = create_user(
        db.session,
        username="district",
        password="bench-password",
        display_name="指挥中心",
        roles=["district_admin"],
        district_id=district.id,
    )
    requesters = {
        community.id: create_user(
            db.session,
            username=f"resident{community.id}",
            password="bench-password",
            display_name="居民",
            roles=["resident"],
            community_id=community.id,
        ).id
        for community in communities
    }
    db.session.commit()
    units = db.session.execute(select(Unit.id, Unit.kind, Unit.community_id, Unit.grid_id)).all()
    grid_community = dict(db.session.execute(select(Grid.id, Grid.community_id)).all())
    categories = {}
    for category_id, community_id in db.session.execute(select(OrderCategory.id, OrderCategory.community_id)):
        categories.setdefault(community_id, []).append(category_id)
    return {
        "centre": centre,
        "requesters": requesters,
        "categories": categories,
        "departments": [u.id for u in units if u.kind == "department"],
        "community_units": {u.community_id: u.id for u in units if u.kind == "community"},
        "grid_units": _by_community([(grid_community[u.grid_id], u.id) for u in units if u.kind == "grid"]),
    }


def _by_community(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for community_id, unit_id in pairs:
        grouped.setdefault(community_id, []).append(unit_id)
    return grouped


def load_requests(skeleton: dict, total: int) -> None:
    """``total`` requests with their timelines, in batches of Core INSERTs. Some
    communities and departments are slower than others, so the ranking has spread."""
    from engage.orders.models import OrderEvent, ServiceOrder

    rng = random.Random(17)
    now = utcnow()
    communities = sorted(skeleton["requesters"])
    first_order_id = 1
    orders, events = [], []
    for n in range(total):
        order_id = first_order_id + n
        community_id = rng.choice(communities)
        age = timedelta(days=DAYS * (n / total) ** 0.7)  # more requests lately
        placed = now - age + timedelta(minutes=rng.randint(0, 59))
        unit_id = _handler(rng, skeleton, community_id)
        status = _status(rng, age)
        slowness = 1 + (unit_id % 7) / 3  # a unit's habits: some sign and reply late
        assigned = placed + timedelta(hours=rng.uniform(0.2, 6))
        sign_by, signed = (
            assigned + timedelta(days=1),
            assigned + timedelta(hours=rng.uniform(1, 20) * slowness),
        )
        resolve_by = signed + timedelta(days=7)
        replied = signed + timedelta(days=rng.uniform(0.5, 6) * slowness)
        callback = replied + timedelta(hours=rng.uniform(2, 48))
        satisfaction = "unsatisfied" if rng.random() < 0.04 * slowness else "satisfied"
        orders.append(
            {
                "id": order_id,
                "community_id": community_id,
                "category_id": rng.choice(skeleton["categories"][community_id]),
                "title": f"诉求 {n}",
                "description": "",
                "channel": "hotline",
                "requester_id": skeleton["requesters"][community_id],
                "placed_by_id": skeleton["centre"].id,
                "first_responder_id": skeleton["centre"].id,
                "status": status,
                "dispatch_by": placed + timedelta(days=1),
                "resolve_by": resolve_by,
                "sign_by": sign_by if status != "placed" else None,
                "handler_unit_id": unit_id if status != "placed" else None,
                "satisfaction": satisfaction if status == "closed" else None,
                "created_at": placed,
                "updated_at": placed,
                "tracking_code": f"B{order_id:09d}",
            }
        )
        steps = [("placed", "placed", placed, None, None)]
        if status != "placed":
            steps.append(("assign", "assigned", assigned, unit_id, sign_by))
        if status in ("signed", "replied", "closed"):
            steps.append(("sign", "signed", signed, unit_id, resolve_by))
        if status in ("replied", "closed"):
            steps.append(("reply", "replied", replied, unit_id, resolve_by))
        if status == "closed":
            steps.append(("callback", "closed", callback, unit_id, None))
        events += [
            {"order_id": order_id, "kind": kind, "status": st, "at": at, "unit_id": unit, "due": due}
            for kind, st, at, unit, due in steps
        ]
        if len(orders) >= BATCH:
            _flush(ServiceOrder, OrderEvent, orders, events)
            orders, events = [], []
    _flush(ServiceOrder, OrderEvent, orders, events)


def _handler(rng: random.Random, skeleton: dict, community_id: int) -> int:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(skeleton["departments"])
    if roll < 0.8:
        return rng.choice(skeleton["grid_units"][community_id])
    return skeleton["community_units"][community_id]


def _status(rng: random.Random, age: timedelta) -> str:
    if age > timedelta(days=14):
        return "closed"
    return rng.choice(("placed", "assigned", "signed", "replied", "closed", "closed"))


def _flush(order_model, event_model, orders: list[dict], events: list[dict]) -> None:
    if orders:
        db.session.execute(insert(order_model), orders)
        db.session.execute(insert(event_model), events)
        db.session.commit()


def analyze() -> None:
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("SELECT setval('service_orders_id_seq', (SELECT max(id) FROM service_orders))"))


def timed(call: Callable[[], object]) -> dict:
    for _ in range(WARMUPS):
        call()
        db.session.rollback()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * RUNS) - 1], 2),
    }


def plan_of(statement) -> list[str]:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    db.session.rollback()
    return [" | ".join(str(v) for v in row) for row in rows]


def measure(skeleton: dict) -> dict:
    from engage.i18n import local_zone
    from engage.orders import queries
    from engage.orders.appraisal import unit_figures
    from engage.periods import containing
    from engage.rankings import unit_rankings
    from engage.units.services import routable_units

    centre = db.session.merge(skeleton["centre"])
    last_month = containing(
        containing(utcnow(), "month", local_zone()).start - timedelta(days=1), "month", local_zone()
    )
    department = skeleton["departments"][0]
    cases: dict[str, Callable[[], object]] = {}
    for status in ("placed", "assigned", "signed", "replied", "closed"):
        cases[f"queue status={status}"] = lambda s=status: queries.staff_queue(db.session, centre, status=s)
    cases["queue assigned, overdue"] = lambda: queries.staff_queue(
        db.session, centre, status="assigned", overdue=True
    )
    cases["unit figures, last month"] = lambda: unit_figures(db.session, centre, department, last_month)
    cases["units the centre may route to"] = lambda: routable_units(db.session, centre)
    for kind, plural in (("department", "departments"), ("community", "communities")):
        cases[f"ranking of {plural}, last month"] = lambda k=kind: unit_rankings.live(
            db.session, centre, k, last_month.label, zone=local_zone()
        )
    results = {name: timed(call) for name, call in cases.items()}
    plans = {
        status: plan_of(queries.staff_queue_query(db.session, centre, status=status).limit(50))
        for status in ("placed", "closed")
    }
    return {"timings": results, "plans": plans, "period": last_month.label}


def targets(timings: dict) -> list[dict]:
    checks = []
    for name, figures in timings.items():
        limit = RANKING_TARGET_MS if name.startswith("ranking") else QUEUE_TARGET_MS
        checks.append(
            {
                "target": f"{name} median < {limit} ms",
                "measured": figures["median_ms"],
                "pass": figures["median_ms"] < limit,
            }
        )
    return checks


def loaded_before(total: int) -> dict | None:
    """With ``--reuse``: the skeleton of a district an earlier run loaded with as many
    requests (then nothing is loaded again), else None."""
    from engage.auth.models import User
    from engage.orders.models import ServiceOrder
    from engage.units.models import Unit

    if db.session.scalar(select(func.count()).select_from(ServiceOrder)) != total:
        return None
    return {
        "centre": db.session.scalar(select(User).where(User.username == "district")),
        "departments": list(
            db.session.scalars(select(Unit.id).where(Unit.kind == "department").order_by(Unit.id))
        ),
    }


def run(kind: str, total: int, workdir: Path, *, reuse: bool) -> dict:
    app = make_app(kind, workdir, fresh=not reuse)
    with app.app_context():
        started = time.perf_counter()
        skeleton = loaded_before(total) if reuse else None
        if skeleton is None:
            skeleton = world()
            load_requests(skeleton, total)
            analyze()
        loaded = round(time.perf_counter() - started, 1)
        measured = measure(skeleton)
    return {"requests": total, "load_seconds": loaded, **measured, "targets": targets(measured["timings"])}


def table(report: dict) -> str:
    lines = []
    for kind in ("sqlite", "postgresql"):
        if kind not in report:
            continue
        lines.append(
            f"{kind}: {report[kind]['requests']} requests, loaded in {report[kind]['load_seconds']} s"
        )
        for name, figures in report[kind]["timings"].items():
            lines.append(
                f"  {name:40} median {figures['median_ms']:8.2f} ms   p95 {figures['p95_ms']:8.2f} ms"
            )
        lines += [
            f"  target {t['target']}: {'pass' if t['pass'] else 'FAIL'}" for t in report[kind]["targets"]
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 requests, for a smoke run")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        help="keep the SQLite file in DIR (and the PostgreSQL data) and measure again without"
        " loading when they already hold as many requests, migrating them first",
    )
    args = parser.parse_args()
    total = args.requests or (10**4 if args.quick else 10**6)
    report: dict = {"benchmark": "routing", "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.reuse or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for kind in ("sqlite", "postgresql"):
            if args.database in (kind, "both"):
                report[kind] = run(kind, total, workdir, reuse=bool(args.reuse))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "routing.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(table(report))


if __name__ == "__main__":
    main()
