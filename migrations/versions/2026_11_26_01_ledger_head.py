"""The ledger's chain head follows the newest transaction by a trigger, instead of a
separate UPDATE by every posting while it holds the head lock.

Revision ID: 2026_11_26_01
Revises: 2026_11_25_04
Create Date: 2026-11-26 00:10:00

"""

from alembic import op

from points.schema import drop_head_ddl, install_head

# revision identifiers, used by Alembic.
revision = "2026_11_26_01"
down_revision = "2026_11_25_04"
branch_labels = None
depends_on = None


def upgrade():
    install_head(op.get_bind())


def downgrade():
    for statement in drop_head_ddl(op.get_bind().dialect.name):
        op.execute(statement)
