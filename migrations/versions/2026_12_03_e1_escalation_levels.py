"""四流转: the timeline records the level a 督办 step escalated a request to
(``order_events.level``), and a request closed on the unit path records the level at which
it was solved (``service_orders.solved_level``: grid, community, street or district;
engage/orders/levels.py).

The columns are added in place, as the unit path's migration did. Requests closed by a
回访 before this revision are given their handling unit's level; the levels of their
escalations were not kept, and answers at intake did not record who answered at which
level, so those stay without one.

Revision ID: 2026_12_03_e1
Revises: 2026_12_03_o1
Create Date: 2026-12-03 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_12_03_e1"
down_revision = "2026_12_03_o1"
branch_labels = None
depends_on = None

LEVEL_OF_KIND = (
    "CASE units.kind WHEN 'department' THEN 'district' WHEN 'street' THEN 'street' "
    "WHEN 'community' THEN 'community' ELSE 'grid' END"
)


def upgrade():
    op.execute(
        "ALTER TABLE service_orders ADD COLUMN solved_level VARCHAR(10) "
        "CONSTRAINT ck_service_orders_solved_level CHECK "
        "(solved_level IS NULL OR solved_level IN ('grid', 'community', 'street', 'district'))"
    )
    op.add_column("order_events", sa.Column("level", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE service_orders SET solved_level = (SELECT {LEVEL_OF_KIND} FROM units "
        "WHERE units.id = service_orders.handler_unit_id) "
        "WHERE status = 'closed' AND handler_unit_id IS NOT NULL AND EXISTS (SELECT 1 FROM order_events "
        "WHERE order_events.order_id = service_orders.id AND order_events.kind = 'callback')"
    )


def downgrade():
    """The check is the column's own (added with it), so both databases drop it with the column."""
    op.drop_column("order_events", "level")
    op.drop_column("service_orders", "solved_level")
