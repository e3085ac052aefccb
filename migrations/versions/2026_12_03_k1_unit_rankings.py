"""The units' rankings (issue 17 part 7): each district's weights of the 三率 and
timeliness, and the published, frozen rankings of its departments, streets and
communities per month or quarter, versioned as the property red and yellow lists are.

Revision ID: 2026_12_03_k1
Revises: 2026_12_03_q1
Create Date: 2026-12-03 20:00:00

"""

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_k1"
down_revision = "2026_12_03_q1"
branch_labels = None
depends_on = None

WEIGHTS = ("response", "resolution", "satisfaction", "timeliness")
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "timeliness_rate")


def upgrade():
    op.create_table(
        "unit_ranking_weights",
        sa.Column("district_id", sa.Integer(), nullable=False),
        *(sa.Column(w, sa.Integer(), nullable=False) for w in WEIGHTS),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", points.base.UTCDateTime(timezone=True), nullable=False),
        *(
            sa.CheckConstraint(f"{w} >= 0 AND {w} <= 100", name=op.f(f"ck_unit_ranking_weights_{w}"))
            for w in WEIGHTS
        ),
        sa.CheckConstraint(" + ".join(WEIGHTS) + " > 0", name=op.f("ck_unit_ranking_weights_some_weight")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_unit_ranking_weights_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_unit_ranking_weights_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_unit_ranking_weights")),
    )
    op.create_table(
        "unit_rankings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "kind IN ('department', 'street', 'community')", name=op.f("ck_unit_rankings_kind")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_unit_rankings_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_unit_rankings_published_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_rankings")),
        sa.UniqueConstraint(
            "district_id",
            "kind",
            "period",
            "version",
            name=op.f("uq_unit_rankings_district_id_kind_period_version"),
        ),
    )
    op.create_index(op.f("ix_unit_rankings_district_id"), "unit_rankings", ["district_id"], unique=False)
    op.create_table(
        "unit_ranking_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        *(sa.Column(r, sa.Float(), nullable=True) for r in RATES),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["unit_rankings.id"],
            name=op.f("fk_unit_ranking_entries_ranking_id_unit_rankings"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_ranking_entries_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_ranking_entries")),
    )
    op.create_index(
        op.f("ix_unit_ranking_entries_ranking_id"), "unit_ranking_entries", ["ranking_id"], unique=False
    )
    op.create_index(
        op.f("ix_unit_ranking_entries_unit_id"), "unit_ranking_entries", ["unit_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_unit_ranking_entries_unit_id"), table_name="unit_ranking_entries")
    op.drop_index(op.f("ix_unit_ranking_entries_ranking_id"), table_name="unit_ranking_entries")
    op.drop_table("unit_ranking_entries")
    op.drop_index(op.f("ix_unit_rankings_district_id"), table_name="unit_rankings")
    op.drop_table("unit_rankings")
    op.drop_table("unit_ranking_weights")
