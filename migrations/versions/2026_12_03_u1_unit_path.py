"""The unit path of a request (分拨 → 签收 → 反馈 → 回访 → 结案, 退单, 延期, 吹哨报到), its
first responder (首问负责人), priority and tracking code.

``service_orders`` gains the statuses ``assigned``, ``signed`` and ``replied`` and the
columns of the unit path; every existing order gets a random tracking code. Categories
gain urgent deadlines. Two tables: ``order_extensions`` (延期, at most one pending per
order) and ``order_whistles`` (吹哨报到).

The columns are added in place (``ALTER TABLE … ADD COLUMN`` with their constraints,
which both databases accept): a batch copy of ``service_orders`` would have to drop a
table that the timeline and the 468 records reference, which SQLite refuses while foreign
keys are on. On SQLite the status check is widened by rewriting the table's stored
definition, the procedure SQLite documents for changes that leave every stored row valid
("Making Other Kinds Of Table Schema Changes", lang_altertable.html): the new check only
admits more values than the old one.

Revision ID: 2026_12_03_u1
Revises: 2026_12_03_d1
Create Date: 2026-12-03 18:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_u1"
down_revision = "2026_12_03_d1"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('placed', 'dispatched', 'accepted', 'completed', 'closed', 'cancelled')"
NEW_STATUSES = (
    "status IN ('placed', 'dispatched', 'accepted', 'completed', 'assigned', 'signed', 'replied', "
    "'closed', 'cancelled')"
)
ORDER_COLUMNS = (
    ("tracking_code", "VARCHAR(10) DEFAULT '' NOT NULL"),
    (
        "priority",
        "VARCHAR(8) DEFAULT 'normal' NOT NULL "
        "CONSTRAINT ck_service_orders_priority CHECK (priority IN ('normal', 'urgent'))",
    ),
    (
        "first_responder_id",
        "INTEGER CONSTRAINT fk_service_orders_first_responder_id_users REFERENCES users (id)",
    ),
    ("handler_unit_id", "INTEGER CONSTRAINT fk_service_orders_handler_unit_id_units REFERENCES units (id)"),
    (
        "satisfaction",
        "VARCHAR(12) CONSTRAINT ck_service_orders_satisfaction CHECK "
        "(satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically', 'unsatisfied'))",
    ),
    ("reopen_count", "INTEGER DEFAULT 0 NOT NULL"),
)
URGENT = {"dispatch": 2, "accept": 2, "resolve": 24}
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
orders = sa.table("service_orders", sa.column("id", sa.Integer), sa.column("tracking_code", sa.String))
UTC_TIME = points.base.UTCDateTime(timezone=True)


def upgrade():
    _set_status_check(OLD_STATUSES, NEW_STATUSES)
    for name, spec in ORDER_COLUMNS:
        op.execute(f"ALTER TABLE service_orders ADD COLUMN {name} {spec}")
    op.add_column("service_orders", sa.Column("sign_by", UTC_TIME, nullable=True))
    _fill_tracking_codes()
    op.create_index(op.f("ix_service_orders_tracking_code"), "service_orders", ["tracking_code"], unique=True)
    op.create_index(
        "ix_service_orders_handler", "service_orders", ["handler_unit_id", "status"], unique=False
    )
    for step, hours in URGENT.items():
        column = f"urgent_{step}_hours"
        op.execute(
            f"ALTER TABLE order_categories ADD COLUMN {column} INTEGER DEFAULT {hours} NOT NULL "
            f"CONSTRAINT ck_order_categories_{column} CHECK ({column} > 0)"
        )
    _create_extensions()
    _create_whistles()


def _set_status_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_service_orders_status"), "service_orders", type_="check")
        op.create_check_constraint("status", "service_orders", sa.text(new))
        return
    bind = op.get_bind()
    stored = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'service_orders'")
    )
    definition = stored.scalar_one()
    if definition.count(old) != 1:
        raise RuntimeError("service_orders: the status check is not the one this migration replaces")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    op.execute("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'service_orders'"),
        {"sql": definition.replace(old, new)},
    )
    op.execute(f"PRAGMA schema_version = {version + 1}")
    op.execute("PRAGMA writable_schema = OFF")


def _fill_tracking_codes() -> None:
    bind = op.get_bind()
    ids = bind.execute(sa.select(orders.c.id)).scalars().all()
    codes: set[str] = set()
    while len(codes) < len(ids):
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(10)))
    if ids:
        bind.execute(
            orders.update()
            .where(orders.c.id == sa.bindparam("row_id"))
            .values(tracking_code=sa.bindparam("code")),
            [{"row_id": row_id, "code": code} for row_id, code in zip(ids, codes, strict=True)],
        )


def _create_extensions() -> None:
    op.create_table(
        "order_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.CheckConstraint("hours > 0", name=op.f("ck_order_extensions_hours")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused', 'void')", name=op.f("ck_order_extensions_status")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_order_extensions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["service_orders.id"], name=op.f("fk_order_extensions_order_id_service_orders")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_order_extensions_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_order_extensions_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_extensions")),
    )
    op.create_index(op.f("ix_order_extensions_order_id"), "order_extensions", ["order_id"], unique=False)
    op.create_index(
        "uq_order_extensions_pending",
        "order_extensions",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def _create_whistles() -> None:
    op.create_table(
        "order_whistles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("whistled_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("report_by", UTC_TIME, nullable=False),
        sa.Column("reported_at", UTC_TIME, nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["service_orders.id"], name=op.f("fk_order_whistles_order_id_service_orders")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_order_whistles_reported_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_order_whistles_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["whistled_by_id"], ["users.id"], name=op.f("fk_order_whistles_whistled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_whistles")),
        sa.UniqueConstraint("order_id", "unit_id", name=op.f("uq_order_whistles_order_id_unit_id")),
    )
    op.create_index(op.f("ix_order_whistles_order_id"), "order_whistles", ["order_id"], unique=False)
    op.create_index(op.f("ix_order_whistles_unit_id"), "order_whistles", ["unit_id"], unique=False)


def downgrade():
    """Orders on the unit path have no status before this revision: they are cancelled."""
    op.drop_table("order_whistles")
    op.drop_table("order_extensions")
    op.execute(
        "UPDATE service_orders SET status = 'cancelled' WHERE status IN ('assigned', 'signed', 'replied')"
    )
    for step in URGENT:
        op.drop_column("order_categories", f"urgent_{step}_hours")
    op.drop_index("ix_service_orders_handler", table_name="service_orders")
    op.drop_index(op.f("ix_service_orders_tracking_code"), table_name="service_orders")
    for name in ("sign_by", *reversed([name for name, _spec in ORDER_COLUMNS])):
        op.drop_column("service_orders", name)
    _set_status_check(NEW_STATUSES, OLD_STATUSES)
