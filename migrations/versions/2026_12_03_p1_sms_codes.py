"""SMS verification codes and their send limits per phone and per client address, and the
flag that makes an account choose a new password after staff reset it (issue 19 part 5).

Revision ID: 2026_12_03_p1
Revises: 2026_12_03_e1
Create Date: 2026-12-03 21:30:00

"""

import sqlalchemy as sa
from alembic import op

import points.base

# revision identifiers, used by Alembic.
revision = "2026_12_03_p1"
down_revision = "2026_12_03_e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", points.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_sms_codes_attempts")),
        sa.CheckConstraint("purpose IN ('login', 'reset', 'intake')", name=op.f("ck_sms_codes_purpose")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_codes_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_sms_codes_phone_purpose", ["phone", "purpose", "id"], unique=False)
    op.create_table(
        "sms_code_limits",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day_start", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", points.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sent >= 0", name=op.f("ck_sms_code_limits_sent")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sms_code_limits")),
    )
    # Not in batch mode: SQLite adds and drops a plain column in place, where rebuilding ``users``
    # would turn its column foreign keys into table constraints that an older downgrade's
    # in-place DROP COLUMN (2026_12_03_d1) cannot remove.
    op.add_column(
        "users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade():
    op.drop_column("users", "must_change_password")
    op.drop_table("sms_code_limits")
    with op.batch_alter_table("sms_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_codes_phone_purpose")
        batch_op.drop_index(batch_op.f("ix_sms_codes_expires_at"))
    op.drop_table("sms_codes")
