"""What the database does for the mall: each sale's stock movement is written by a
trigger as its redemption row is.

Restocks, adjustments and returns are recorded by ``catalogue.record_movement``; a
sale is the one movement the database records, for two reasons: a redemption writes
while it holds its ledger accounts' locks (every other redemption at the counter waits
for them), and the trigger spares it that INSERT; and no code can write a redemption
without its movement. The same statements serve ``Base.metadata.create_all`` and the migration
(2026_11_26_02), as ``points.schema``'s do for the ledger, so a database built either
way records sales alike.
"""

from __future__ import annotations

_MOVEMENT = """INSERT INTO mall_stock_movements (reward_id, location_id, delta, reason, note, redemption_id,
                                                actor_id, at)
               VALUES (NEW.reward_id, NEW.location_id, -NEW.quantity, 'redeem', '', NEW.id, NEW.member_id,
                       NEW.created_at);"""


def sale_movement_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"""CREATE FUNCTION mall_record_sale() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN {_MOVEMENT} RETURN NULL; END $$""",
            """CREATE TRIGGER mall_redemptions_record_sale AFTER INSERT ON mall_redemptions
               FOR EACH ROW EXECUTE FUNCTION mall_record_sale()""",
        ]
    return [
        f"""CREATE TRIGGER mall_redemptions_record_sale AFTER INSERT ON mall_redemptions
            BEGIN {_MOVEMENT} END"""
    ]


def drop_sale_movement_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS mall_redemptions_record_sale ON mall_redemptions",
            "DROP FUNCTION IF EXISTS mall_record_sale()",
        ]
    return ["DROP TRIGGER IF EXISTS mall_redemptions_record_sale"]


def install_sale_movement(connection) -> None:
    """Plain driver SQL (the statements contain no ``%``, so no driver interpolates them)."""
    for statement in sale_movement_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def install_on_create(_table, connection, **_kw) -> None:
    """``after_create`` of the redemptions table (create_all)."""
    install_sale_movement(connection)
