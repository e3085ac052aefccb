"""Every redemption is recorded as a stock movement by the database as the redemption
is written (a trigger on mall_redemptions), instead of a second INSERT by every
redemption while it holds the stock and ledger locks.

Revision ID: 2026_11_26_02
Revises: 2026_11_26_01
Create Date: 2026-11-26 00:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_11_26_02"
down_revision = "2026_11_26_01"
branch_labels = None
depends_on = None

MOVEMENT = """INSERT INTO mall_stock_movements (reward_id, location_id, delta, reason, note, redemption_id,
                                                actor_id, at)
              VALUES (NEW.reward_id, NEW.location_id, -NEW.quantity, 'redeem', '', NEW.id, NEW.member_id,
                      NEW.created_at);"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION mall_record_sale() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN {MOVEMENT} RETURN NULL; END $$""")
        op.execute("""CREATE TRIGGER mall_redemptions_record_sale AFTER INSERT ON mall_redemptions
                      FOR EACH ROW EXECUTE FUNCTION mall_record_sale()""")
    else:
        op.execute(f"""CREATE TRIGGER mall_redemptions_record_sale AFTER INSERT ON mall_redemptions
                       BEGIN {MOVEMENT} END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS mall_redemptions_record_sale ON mall_redemptions")
        op.execute("DROP FUNCTION IF EXISTS mall_record_sale()")
    else:
        op.execute("DROP TRIGGER IF EXISTS mall_redemptions_record_sale")
