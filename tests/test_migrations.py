"""The migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from engage.extensions import db as _db


def _differences(db) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def test_migrated_schema_matches_the_models(db):
    assert _differences(db) == []


def test_the_triggers_the_code_relies_on_are_installed(db):
    """The ledger's guards and chain head, and each sale's stock movement, are written by
    the database. A later migration that rebuilds one of their tables (SQLite's batch mode
    copies the table and drops its triggers) must install them again, or this fails."""
    from points.schema import APPEND_ONLY

    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            found = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            guards = {f"{table}_append_only_{op}" for table in APPEND_ONLY for op in ("update", "delete")}
        else:
            found = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
            guards = {f"{table}_append_only" for table in APPEND_ONLY} | {"ledger_postings_balanced"}
    assert found == guards | {"mall_redemptions_record_sale"}


def test_downgrade_to_empty_and_upgrade_again(app, db):
    downgrade(revision="base")
    with db.engine.connect() as conn:
        assert set(_db.inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert _differences(db) == []


def test_upgrade_from_the_previous_release_keeps_data(app, db):
    """The foundation release (2026_11_24_01) with data, upgraded to head."""
    downgrade(revision="2026_11_24_01")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO streets (id, name, created_at) VALUES (1, '老街道', '2026-01-01')"))
        conn.execute(
            text(
                "INSERT INTO communities (id, street_id, name, kind, created_at) "
                "VALUES (1, 1, '老社区', 'urban', '2026-01-01')"
            )
        )
    upgrade()
    assert _differences(db) == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM communities WHERE id = 1")).scalar() == "老社区"
        with pytest.raises(Exception, match="append-only"):
            conn.execute(
                text(
                    "INSERT INTO ledger_transactions (id, kind, memo, fingerprint, "
                    "hash, created_at) VALUES (1, 'issue', '', 'f', 'h', '2026-01-01')"
                )
            )
            conn.execute(text("DELETE FROM ledger_transactions"))


def test_upgrade_rechains_the_single_chain_per_account_and_seals_its_last_hash(app, db):
    """2026_12_03_l1: a ledger written under the single global chain (made here by
    writing at head and downgrading, which rebuilds that chain) is re-chained per account,
    and its first seal keeps the old chain's last hash: the evidence runs on unbroken."""
    import points
    from engage.extensions import db as database

    points.transfer(database.session, "community:1:issuance", "user:1", 5, kind="issue")
    points.transfer(database.session, "user:1", "market:redeemed", 2, kind="redeem")
    database.session.commit()
    database.session.close()
    downgrade(revision="2026_12_03_s1")
    with db.engine.connect() as conn:
        old_head = conn.execute(text("SELECT last_hash FROM ledger_head")).scalar()
        last = conn.execute(text("SELECT hash FROM ledger_transactions ORDER BY id DESC LIMIT 1")).scalar()
    assert old_head == last
    upgrade()
    assert _differences(db) == []
    seal = database.session.scalar(select(points.Seal))
    assert seal.legacy_hash == old_head and seal.accounts == 3
    assert points.verify(database.session) == []
    points.transfer(database.session, "user:1", "market:redeemed", 1, kind="redeem")
    database.session.commit()
    assert points.verify(database.session) == []


def test_upgrade_gives_existing_member_cards_random_numbers(app, db, make):
    """Cards numbered by the zero-padded user id (before 2026_12_03_b1) get random numbers."""
    users = [make.user("resident") for _ in range(3)]
    db.session.commit()
    ids = [user.id for user in users]
    db.session.remove()
    downgrade(revision="2026_11_26_02")
    with db.engine.begin() as conn:
        for user_id in ids:
            conn.execute(
                text(
                    "INSERT INTO mall_member_cards (user_id, member_no, failed_attempts) VALUES (:id, :no, 0)"
                ),
                {"id": user_id, "no": f"{user_id:08d}"},
            )
    upgrade()
    with db.engine.connect() as conn:
        numbers = dict(conn.execute(text("SELECT user_id, member_no FROM mall_member_cards")).all())
    assert sorted(numbers) == sorted(ids)
    assert all(len(n) == 10 and n.isdigit() and n != f"{i:08d}" for i, n in numbers.items())
    assert len(set(numbers.values())) == 3


def test_upgrade_puts_existing_streets_in_a_district_and_makes_them_units(app, db):
    """Streets from before 2026_12_03_d1 join one district named to be renamed, and every
    street, community, grid and property company becomes a unit of that district."""
    downgrade(revision="2026_12_03_h1")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO streets (id, name, created_at) VALUES (7, '老街道', '2026-01-01')"))
        conn.execute(
            text(
                "INSERT INTO communities (id, street_id, name, kind, created_at) "
                "VALUES (8, 7, '老社区', 'urban', '2026-01-01')"
            )
        )
        conn.execute(text("INSERT INTO grids (id, community_id, name) VALUES (9, 8, '老网格')"))
        conn.execute(text("INSERT INTO property_companies (id, street_id, name) VALUES (10, 7, '老物业')"))
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, display_name, street_id, is_active, "
                "created_at) VALUES (11, 'old', 'x', '老管理员', 7, true, '2026-01-01')"
            )
        )
    upgrade()
    assert _differences(db) == []
    with db.engine.connect() as conn:
        street = conn.execute(
            text("SELECT s.name, d.name, d.id FROM streets s JOIN districts d ON d.id = s.district_id")
        ).one()
        units = set(
            conn.execute(
                text(
                    "SELECT kind, district_id, COALESCE(street_id, community_id, grid_id, "
                    "property_company_id) FROM units"
                )
            ).all()
        )
        assert conn.execute(text("SELECT street_id FROM users WHERE id = 11")).scalar() == 7
    assert street[:2] == ("老街道", "未命名区")
    assert units == {
        ("street", street[2], 7),
        ("community", street[2], 8),
        ("grid", street[2], 9),
        ("property_company", street[2], 10),
    }


def test_upgrade_turns_notification_links_into_routes_and_back(app, db, make):
    """Links written before 2026_12_03_r1 become a route and its arguments; unknown ones none."""
    user = make.user("resident")
    db.session.commit()
    user_id = user.id
    db.session.remove()
    downgrade(revision="2026_12_03_l1")
    links = ["/orders/7", "/duties/events/8", "/activities/9", "/duties/", "/elsewhere", None]
    with db.engine.begin() as conn:
        for link in links:
            conn.execute(
                text(
                    "INSERT INTO notifications (user_id, message, link, created_at) "
                    "VALUES (:user_id, 'm', :link, '2026-12-01')"
                ),
                {"user_id": user_id, "link": link},
            )
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT route, route_args FROM notifications ORDER BY id")).all()
    found = [(route, json.loads(args) if isinstance(args, str) else args) for route, args in rows]
    assert found == [
        ("orders.detail", {"order_id": 7}),
        ("duties.event", {"event_id": 8}),
        ("activities.detail", {"activity_id": 9}),
        ("duties.index", {}),
        (None, None),
        (None, None),
    ]
    downgrade(revision="2026_12_03_l1")
    with db.engine.connect() as conn:
        back = conn.execute(text("SELECT link FROM notifications ORDER BY id")).scalars().all()
    assert back == [*links[:4], None, None]
    upgrade()


def test_upgrade_gives_existing_orders_tracking_codes_and_admits_the_unit_path(app, db, make):
    """2026_12_03_u1: orders from before get distinct random tracking codes, and the status
    check (widened in place on SQLite) admits the unit path's statuses and nothing else."""
    from engage.orders import categories, services

    community = make.community()
    categories.add_defaults(db.session, community.id)
    resident = make.user("resident", community=community)
    for title in ("一", "二", "三"):
        services.place_order(db.session, resident, category="repair", title=title)
    db.session.commit()
    db.session.remove()
    downgrade(revision="2026_12_03_d1")
    upgrade()
    assert _differences(db) == []
    with db.engine.begin() as conn:
        codes = list(conn.execute(text("SELECT tracking_code FROM service_orders")).scalars())
        assert len(set(codes)) == 3 and all(len(code) == 10 for code in codes)
        conn.execute(text("UPDATE service_orders SET status = 'assigned', priority = 'urgent'"))
    with pytest.raises(Exception, match="(?i)check"), db.engine.begin() as conn:
        conn.execute(text("UPDATE service_orders SET status = 'lost'"))
