"""The district tier (tenant root) above the streets, the district's departments, the
roles ``district_admin`` and ``department``, and one ``units`` row for everything that can
own a request. Existing streets are attached to one new district named 未命名区 (an admin
renames it), and every existing street, community, grid and property company gets its unit.

Revision ID: 2026_12_03_d1
Revises: 2026_12_03_r1
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_d1"
down_revision = "2026_12_03_r1"
branch_labels = None
depends_on = None

UNNAMED_DISTRICT = "未命名区"
KINDS = ("department", "street", "community", "grid", "property_company")
# engage.units.models.KIND_REFERENCE and ONE_REFERENCE when this was written.
KIND_REFERENCE = "CASE kind " + " ".join(f"WHEN '{k}' THEN {k}_id" for k in KINDS) + " END IS NOT NULL"
ONE_REFERENCE = " + ".join(f"CASE WHEN {k}_id IS NULL THEN 0 ELSE 1 END" for k in KINDS) + " = 1"
OLD_ROLES = "'resident', 'volunteer', 'grid_worker', 'staff', 'admin', 'property_manager', 'kiosk'"
NEW_ROLES = OLD_ROLES + ", 'district_admin', 'department'"
# Each existing hierarchy table, and how to reach its district from it.
DISTRICT_OF = {
    "street": "SELECT s.id, s.district_id FROM streets s",
    "community": "SELECT c.id, s.district_id FROM communities c JOIN streets s ON s.id = c.street_id",
    "grid": (
        "SELECT g.id, s.district_id FROM grids g JOIN communities c ON c.id = g.community_id "
        "JOIN streets s ON s.id = c.street_id"
    ),
    "property_company": "SELECT p.id, s.district_id FROM property_companies p JOIN streets s ON s.id = p.street_id",
}


def upgrade():
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("name", name=op.f("uq_districts_name")),
    )
    district_id = _unnamed_district()
    _add_street_district(district_id)
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_departments_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("district_id", "name", name=op.f("uq_departments_district_id_name")),
    )
    op.create_index(op.f("ix_departments_district_id"), "departments", ["district_id"], unique=False)
    _add_user_columns()
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(f"role IN ({NEW_ROLES})"))
    _create_units()


def _unnamed_district() -> int | None:
    """The one district existing streets are attached to; none when there are no streets."""
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM streets LIMIT 1")).first():
        return None
    bind.execute(
        sa.text("INSERT INTO districts (name, created_at) VALUES (:name, CURRENT_TIMESTAMP)"),
        {"name": UNNAMED_DISTRICT},
    )
    return bind.execute(
        sa.text("SELECT id FROM districts WHERE name = :name"), {"name": UNNAMED_DISTRICT}
    ).scalar()


def _add_street_district(district_id: int | None) -> None:
    """``streets.district_id``, not null. SQLite can add neither a not-null column with a
    reference nor rebuild a table others point at while foreign keys are enforced (its
    DROP TABLE deletes the rows first), so there the table is copied aside, dropped with
    the checks deferred to commit, rebuilt and refilled, which satisfies them again."""
    if op.get_bind().dialect.name != "sqlite":
        op.add_column("streets", sa.Column("district_id", sa.Integer(), nullable=True))
        op.execute(sa.text("UPDATE streets SET district_id = :d").bindparams(d=district_id))
        op.alter_column("streets", "district_id", nullable=False)
        op.create_foreign_key(
            op.f("fk_streets_district_id_districts"), "streets", "districts", ["district_id"], ["id"]
        )
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.execute("CREATE TABLE _streets_copy AS SELECT id, name, created_at FROM streets")
        op.drop_table("streets")
        op.create_table(
            "streets",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("district_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["district_id"], ["districts.id"], name=op.f("fk_streets_district_id_districts")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_streets")),
            sa.UniqueConstraint("name", name=op.f("uq_streets_name")),
        )
        op.execute(
            sa.text(
                "INSERT INTO streets (id, district_id, name, created_at) "
                "SELECT id, :d, name, created_at FROM _streets_copy"
            ).bindparams(d=district_id)
        )
        op.drop_table("_streets_copy")
    op.create_index(op.f("ix_streets_district_id"), "streets", ["district_id"], unique=False)


def _add_user_columns() -> None:
    """Nullable references, added in place with the reference inline: SQLite cannot add a
    constraint later, and rebuilding ``users`` would delete its dependants' rows with it."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table in (("district_id", "districts"), ("department_id", "departments")):
        reference = sa.ForeignKey(f"{table}.id", name=op.f(f"fk_users_{column}_{table}"))
        op.add_column("users", sa.Column(column, sa.Integer(), reference), inline_references=sqlite)
        op.create_index(op.f(f"ix_users_{column}"), "users", [column], unique=False)


def _create_units() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        *(sa.Column(f"{kind}_id", sa.Integer(), nullable=True) for kind in KINDS),
        sa.CheckConstraint(KIND_REFERENCE, name=op.f("ck_units_kind_reference")),
        sa.CheckConstraint(ONE_REFERENCE, name=op.f("ck_units_one_reference")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_units_district_id_districts")
        ),
        *(
            sa.ForeignKeyConstraint([f"{kind}_id"], [f"{table}.id"], name=op.f(f"fk_units_{kind}_id_{table}"))
            for kind, table in (
                ("department", "departments"),
                ("street", "streets"),
                ("community", "communities"),
                ("grid", "grids"),
                ("property_company", "property_companies"),
            )
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        *(sa.UniqueConstraint(f"{kind}_id", name=op.f(f"uq_units_{kind}_id")) for kind in KINDS),
    )
    op.create_index(op.f("ix_units_district_id"), "units", ["district_id"], unique=False)
    bind = op.get_bind()
    for kind, query in DISTRICT_OF.items():
        rows = [
            {"ref": ref, "district": district}
            for ref, district in bind.execute(sa.text(query + " ORDER BY 1"))
        ]
        if rows:
            bind.execute(
                sa.text(
                    f"INSERT INTO units (kind, district_id, {kind}_id) VALUES ('{kind}', :district, :ref)"
                ),
                rows,
            )


def downgrade():
    op.drop_index(op.f("ix_units_district_id"), table_name="units")
    op.drop_table("units")
    op.execute(sa.text("DELETE FROM user_roles WHERE role IN ('district_admin', 'department')"))
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(f"role IN ({OLD_ROLES})"))
    for column, table in (("department_id", "departments"), ("district_id", "districts")):
        op.drop_index(op.f(f"ix_users_{column}"), table_name="users")
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_users_{column}_{table}"), "users", type_="foreignkey")
        op.drop_column("users", column)
    op.drop_index(op.f("ix_departments_district_id"), table_name="departments")
    op.drop_table("departments")
    op.drop_index(op.f("ix_streets_district_id"), table_name="streets")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_streets_district_id_districts"), "streets", type_="foreignkey")
        op.drop_column("streets", "district_id")
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.execute("CREATE TABLE _streets_copy AS SELECT id, name, created_at FROM streets")
        op.drop_table("streets")
        op.create_table(
            "streets",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_streets")),
            sa.UniqueConstraint("name", name=op.f("uq_streets_name")),
        )
        op.execute(
            "INSERT INTO streets (id, name, created_at) SELECT id, name, created_at FROM _streets_copy"
        )
        op.drop_table("_streets_copy")
    op.drop_table("districts")
