"""The timeline records, for each step of the unit path, the unit it concerned and the
deadline the request was working against, so a unit's 三率 are counted from the timeline
(engage/orders/appraisal.py).

The columns are added in place, as the unit path's own migration did (a batch copy of
``order_events`` is not needed for two nullable columns). Steps taken before this
revision are attributed to their request's handling unit where it has one; their
deadlines were not kept, so they count as neither on time nor late.

Revision ID: 2026_12_03_f1
Revises: 2026_12_03_i1
Create Date: 2026-12-03 19:00:00

"""

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_f1"
down_revision = "2026_12_03_i1"
branch_labels = None
depends_on = None

UNIT_STEPS = "('assign', 'reassign', 'sign', 'return', 'ask_extension', 'decide_extension', 'reply', 'callback', 'redo')"


def upgrade():
    op.execute(
        "ALTER TABLE order_events ADD COLUMN unit_id INTEGER "
        "CONSTRAINT fk_order_events_unit_id_units REFERENCES units (id)"
    )
    op.add_column("order_events", sa.Column("due", points.base.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE order_events SET unit_id = (SELECT handler_unit_id FROM service_orders "
        f"WHERE service_orders.id = order_events.order_id) WHERE kind IN {UNIT_STEPS}"
    )
    op.create_index("ix_order_events_unit", "order_events", ["unit_id", "kind", "at"], unique=False)


def downgrade():
    op.drop_index("ix_order_events_unit", table_name="order_events")
    op.drop_column("order_events", "due")
    op.drop_column("order_events", "unit_id")
