"""Kiosk PIN lockouts per kiosk and member (with a doubling back-off) instead of one lock
on the member's card, and random member numbers instead of the zero-padded user id
(existing cards get new ones).

Revision ID: 2026_12_03_b1
Revises: 2026_11_26_02
Create Date: 2026-12-03 10:50:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_b1"
down_revision = "2026_11_26_02"
branch_labels = None
depends_on = None

DIGITS = 10  # marketplace.members.MEMBER_NO_DIGITS when this was written
cards = sa.table("mall_member_cards", sa.column("user_id", sa.Integer), sa.column("member_no", sa.String))


def upgrade():
    op.create_table(
        "mall_pin_lockouts",
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("locked_until", points.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("failed_attempts >= 0 AND strikes >= 0", name=op.f("ck_mall_pin_lockouts_counts")),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["users.id"], name=op.f("fk_mall_pin_lockouts_kiosk_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mall_pin_lockouts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("kiosk_id", "user_id", name=op.f("pk_mall_pin_lockouts")),
    )
    with op.batch_alter_table("mall_pin_lockouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mall_pin_lockouts_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("mall_member_cards", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_attempts")
    _renumber_cards()


def _renumber_cards():
    """Every existing card gets a random number, distinct from every other card's."""
    bind = op.get_bind()
    user_ids = bind.execute(sa.select(cards.c.user_id)).scalars().all()
    taken: set[str] = set()
    for user_id in user_ids:
        number = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        while number in taken:
            number = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        taken.add(number)
        bind.execute(cards.update().where(cards.c.user_id == user_id).values(member_no=number))


def downgrade():
    with op.batch_alter_table("mall_member_cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", points.base.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE mall_member_cards SET member_no = lpad(user_id::text, 8, '0')")
    else:
        op.execute("UPDATE mall_member_cards SET member_no = printf('%08d', user_id)")
    with op.batch_alter_table("mall_pin_lockouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mall_pin_lockouts_user_id"))
    op.drop_table("mall_pin_lockouts")
