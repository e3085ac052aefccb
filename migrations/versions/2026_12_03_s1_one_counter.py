"""One service-centre counter per community: a partial unique index, so that two first
writes at once cannot each open one (marketplace.catalogue.counter inserts ON CONFLICT).

Revision ID: 2026_12_03_s1
Revises: 2026_12_03_h1
Create Date: 2026-12-03 14:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_12_03_s1"
down_revision = "2026_12_03_h1"
branch_labels = None
depends_on = None

COUNTER = sa.text("kind = 'counter'")


def upgrade():
    doubled = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT community_id FROM mall_locations WHERE kind = 'counter' "
                "GROUP BY community_id HAVING COUNT(*) > 1"
            )
        )
        .scalars()
        .all()
    )
    if doubled:
        raise RuntimeError(
            f"communities {doubled} have more than one counter: move their stock and redemptions "
            "to the oldest and delete the others, then upgrade again"
        )
    op.create_index(
        "uq_mall_locations_counter",
        "mall_locations",
        ["community_id"],
        unique=True,
        sqlite_where=COUNTER,
        postgresql_where=COUNTER,
    )


def downgrade():
    op.drop_index("uq_mall_locations_counter", table_name="mall_locations")
