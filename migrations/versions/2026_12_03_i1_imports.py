"""Imports (issue 20): a household's type, housing and members (6 必清), service hours
recorded by another system (the national volunteer system), the file waiting between an
import's preview and its confirmation, and the record of every import.

Revision ID: 2026_12_03_i1
Revises: 2026_12_03_u1
Create Date: 2026-12-03 17:32:30

"""

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_i1"
down_revision = "2026_12_03_u1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "household_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("id_number_cipher", sa.Text(), nullable=True),
        sa.Column("id_number_masked", sa.String(length=18), nullable=True),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "relation IN ('head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other')",
            name=op.f("ck_household_members_relation"),
        ),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name=op.f("ck_household_members_birth_year"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_household_members_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_members_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_members")),
        sa.UniqueConstraint("household_id", "name", name=op.f("uq_household_members_household_id_name")),
    )
    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_members_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_members_household_id"), ["household_id"], unique=False)

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("sensitive", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_import_runs_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_import_runs_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_import_runs_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_runs_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_runs_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_runs_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_runs_district_id"), ["district_id"], unique=False)

    op.create_table(
        "import_staged",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_import_staged_actor_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_import_staged_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_staged")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_import_staged_token_hash")),
    )
    with op.batch_alter_table("import_staged", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_staged_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "volunteer_service_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(length=100), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "minutes > 0 AND minutes <= 1440", name=op.f("ck_volunteer_service_hours_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["users.id"],
            name=op.f("fk_volunteer_service_hours_volunteer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_service_hours")),
        sa.UniqueConstraint(
            "volunteer_id",
            "served_on",
            "activity",
            name=op.f("uq_volunteer_service_hours_volunteer_id_served_on_activity"),
        ),
    )
    with op.batch_alter_table("volunteer_service_hours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_service_hours_volunteer_id"), ["volunteer_id"], unique=False
        )

    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("housing_type", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            "household_type",
            "household_type IS NULL OR household_type IN ('permanent', 'floating', 'registered_only')",
        )
        batch_op.create_check_constraint(
            "housing_type",
            "housing_type IS NULL OR housing_type IN ('owned', 'rented', 'public_rental', 'other')",
        )


def downgrade():
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_households_housing_type"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_households_household_type"), type_="check")
        batch_op.drop_column("housing_type")
        batch_op.drop_column("household_type")

    with op.batch_alter_table("volunteer_service_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_service_hours_volunteer_id"))

    op.drop_table("volunteer_service_hours")
    with op.batch_alter_table("import_staged", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_staged_actor_id"))

    op.drop_table("import_staged")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_district_id"))
        batch_op.drop_index(batch_op.f("ix_import_runs_community_id"))
        batch_op.drop_index(batch_op.f("ix_import_runs_at"))
        batch_op.drop_index(batch_op.f("ix_import_runs_actor_id"))

    op.drop_table("import_runs")
    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_members_household_id"))
        batch_op.drop_index(batch_op.f("ix_household_members_community_id"))

    op.drop_table("household_members")
