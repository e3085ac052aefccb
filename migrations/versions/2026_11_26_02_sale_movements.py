"""Every redemption is recorded as a stock movement by the database as the redemption
is written (a trigger on mall_redemptions), instead of a second INSERT by every
redemption while it holds the stock and ledger locks. The statements live in
marketplace.schema, which create_all uses too.

Revision ID: 2026_11_26_02
Revises: 2026_11_26_01
Create Date: 2026-11-26 00:20:00

"""

from alembic import op

from marketplace.schema import drop_sale_movement_ddl, install_sale_movement

# revision identifiers, used by Alembic.
revision = "2026_11_26_02"
down_revision = "2026_11_26_01"
branch_labels = None
depends_on = None


def upgrade():
    install_sale_movement(op.get_bind())


def downgrade():
    for statement in drop_sale_movement_ddl(op.get_bind().dialect.name):
        op.execute(statement)
