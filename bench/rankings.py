"""Leaderboard benchmark: writes JSON to bench/results/rankings.json (and stdout).

    python bench/rankings.py [--quick]

On SQLite: 10^5 volunteers in one community and 10^6 ledger postings (award transactions
spread over twelve months), plus service hours; then the leaderboard page
(``GET /rankings/volunteers``, the full HTML) for this month by points and by hours,
and all time, median of repeated requests. Target: under 100 ms. Also the time ``tick`` takes
to rebuild the tallies the boards read.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402
from points.base import utcnow  # noqa: E402


def seed(volunteers: int, postings: int) -> dict:
    from engage.activities.models import Activity, Enrollment
    from engage.auth.models import User, UserRole
    from engage.auth.services import create_user
    from engage.community.models import Community, District, Street
    from points.models import Account, Posting, Transaction

    street = Street(district=District(name="基准区"), name="基准街道")
    community = Community(street=street, name="基准社区")
    db.session.add_all([street, community])
    db.session.flush()
    staff = create_user(
        db.session,
        username="staff",
        password="bench-pass-1",
        display_name="社工",
        roles=["staff"],
        community_id=community.id,
    )
    viewer = create_user(
        db.session,
        username="viewer",
        password="bench-pass-1",
        display_name="志愿者",
        roles=["volunteer"],
        community_id=community.id,
    )
    now, rng = utcnow(), random.Random(7)
    users = [
        {
            "username": f"v{n:06d}",
            "password_hash": "x",
            "display_name": f"志愿者{n}",
            "community_id": community.id,
            "is_active": True,
            "created_at": now,
        }
        for n in range(volunteers)
    ]
    db.session.execute(insert(User), users)
    ids = list(db.session.scalars(select(User.id).where(User.username.like("v0%"))))
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "volunteer"} for i in ids])
    db.session.execute(
        insert(Account),
        [
            {"address": f"user:{i}", "may_go_negative": False, "balance": 0, "pending": 0, "created_at": now}
            for i in ids
        ],
    )
    budget = Account(
        address=f"community:{community.id}:budget", may_go_negative=False, balance=10**9, pending=0
    )
    db.session.add(budget)
    db.session.flush()
    accounts = dict(db.session.execute(select(Account.address, Account.id)).all())
    for start in range(0, postings // 2, 50_000):
        count = min(50_000, postings // 2 - start)
        created = [now - timedelta(days=rng.randrange(365)) for _ in range(count)]
        first = (db.session.scalar(select(Transaction.id).order_by(Transaction.id.desc()).limit(1)) or 0) + 1
        db.session.execute(
            insert(Transaction),
            [
                {
                    "kind": "award",
                    "memo": "",
                    "created_at": at,
                    "fingerprint": "",
                    "prev_hash": "",
                    "hash": "",
                }
                for at in created
            ],
        )
        rows = []
        for offset in range(count):
            amount, user = rng.randrange(1, 50), rng.choice(ids)
            rows += [
                {
                    "transaction_id": first + offset,
                    "account_id": accounts[f"user:{user}"],
                    "amount": amount,
                    "balance_after": 0,
                },
                {
                    "transaction_id": first + offset,
                    "account_id": budget.id,
                    "amount": -amount,
                    "balance_after": 0,
                },
            ]
        db.session.execute(insert(Posting), rows)
    activity = Activity(
        community_id=community.id,
        kind="patrol",
        title="巡逻",
        location="小区",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        capacity=10_000,
        enrolled=0,
        points_per_hour=0,
        created_by_id=staff.id,
    )
    db.session.add(activity)
    db.session.flush()
    db.session.execute(
        insert(Enrollment),
        [
            {
                "activity_id": activity.id,
                "volunteer_id": i,
                "status": "enrolled",
                "minutes": rng.randrange(15, 600, 15),
                "created_at": now,
            }
            for i in rng.sample(ids, min(20_000, len(ids)))
        ],
    )
    db.session.commit()
    return {"viewer": viewer.username}


def median_ms(client, url: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    volunteers, postings = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'rankings.db'}",
                "SECRET_KEY": "bench",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            started = time.perf_counter()
            seeded = seed(volunteers, postings)
            seconds = round(time.perf_counter() - started, 1)
            from engage.i18n import local_zone
            from engage.rankings.leaderboards import rebuild_tallies

            started = time.perf_counter()
            tallies = rebuild_tallies(db.session, zone=local_zone(), now=utcnow())
            db.session.commit()
            rebuild_seconds = round(time.perf_counter() - started, 1)
        client = app.test_client()
        client.post("/login", data={"username": seeded["viewer"], "password": "bench-pass-1"})
        month = utcnow().strftime("%Y-%m")
        pages = {
            name: median_ms(client, url, 5)
            for name, url in (
                ("month_by_points", f"/rankings/volunteers?period={month}"),
                ("month_by_hours", f"/rankings/volunteers?period={month}&by=hours"),
                ("all_time_by_points", "/rankings/volunteers"),
            )
        }
    result = {
        "volunteers": volunteers,
        "postings": postings,
        "seed_seconds": seconds,
        "tally_rows": tallies,
        "tally_rebuild_seconds": rebuild_seconds,
        "page_median_ms": pages,
        "target_ms": 100,
        "met": all(ms < 100 for ms in pages.values()),
    }
    out = ROOT / "bench" / "results" / "rankings.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
