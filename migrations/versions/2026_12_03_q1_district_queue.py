"""The command centre's queues read a whole district's requests of one status, oldest
first: an index on (status, created_at) lets the database walk them in order and stop at
the first page, where the per-community index made it gather and sort every one of them
(bench/routing.py).

Revision ID: 2026_12_03_q1
Revises: 2026_12_03_f1
Create Date: 2026-12-03 20:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_12_03_q1"
down_revision = "2026_12_03_f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_service_orders_status_age", "service_orders", ["status", "created_at"])


def downgrade():
    op.drop_index("ix_service_orders_status_age", table_name="service_orders")
