"""A hash chain per account instead of one global chain, and seals.

Every posting gets the hash that extends its account's chain and every account its
head; each transaction's hash becomes the hash of its own content (no predecessor). The
existing history is re-chained once, and the first seal keeps the old global chain's
last hash (``legacy_hash``), so the evidence runs on without a gap. The single head
row, its trigger and ``prev_hash`` go.

Revision ID: 2026_12_03_l1
Revises: 2026_12_03_s1
Create Date: 2026-12-03 14:30:00

"""

import hashlib
import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

import points.base
from points.ledger import link_hash, transaction_hash
from points.schema import drop_guard_ddl, install_guards
from points.seals import root_of, seal_hash

# revision identifiers, used by Alembic.
revision = "2026_12_03_l1"
down_revision = "2026_12_03_s1"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
UTC_TIME = points.base.UTCDateTime(timezone=True)
transactions = sa.table(
    "ledger_transactions",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("memo", sa.String),
    sa.column("reference", sa.String),
    sa.column("created_at", UTC_TIME),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
postings = sa.table(
    "ledger_postings",
    sa.column("id", sa.Integer),
    sa.column("transaction_id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("amount", sa.Integer),
    sa.column("balance_after", sa.Integer),
    sa.column("hash", sa.String),
)
accounts = sa.table(
    "ledger_accounts",
    sa.column("id", sa.Integer),
    sa.column("address", sa.String),
    sa.column("head", sa.String),
)
head_row = sa.table("ledger_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String))
seals = sa.table(
    "ledger_seals",
    sa.column("id", sa.Integer),
    sa.column("created_at", UTC_TIME),
    sa.column("accounts", sa.Integer),
    sa.column("root", sa.String),
    sa.column("legacy_hash", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
sealed_heads = sa.table(
    "ledger_sealed_heads",
    sa.column("seal_id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("head", sa.String),
)


def _ledger_rows(bind):
    """Transactions (id → content) and postings with their addresses, oldest first."""
    legs = defaultdict(list)
    rows = bind.execute(
        sa.select(
            postings.c.id,
            postings.c.transaction_id,
            postings.c.account_id,
            accounts.c.address,
            postings.c.amount,
            postings.c.balance_after,
        )
        .join(accounts, accounts.c.id == postings.c.account_id)
        .order_by(postings.c.id)
    ).all()
    for row in rows:
        legs[row.transaction_id].append((row.address, row.amount))
    txs = bind.execute(
        sa.select(
            transactions.c.id,
            transactions.c.kind,
            transactions.c.memo,
            transactions.c.reference,
            transactions.c.created_at,
        ).order_by(transactions.c.id)
    ).all()
    return txs, legs, rows


def _drop_head():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_head_follows ON ledger_transactions")
        op.execute("DROP FUNCTION IF EXISTS ledger_head_follows()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_head_follows")


def upgrade():
    bind = op.get_bind()
    for statement in drop_guard_ddl(bind.dialect.name):
        op.execute(statement)
    _drop_head()
    legacy = bind.execute(sa.select(head_row.c.last_hash).where(head_row.c.id == 1)).scalar()
    # Plain ALTER TABLE (SQLite ≥ 3.35 adds and drops such columns in place): a batch copy
    # of the accounts or transactions would drop a table other tables' foreign keys name.
    op.add_column(
        "ledger_accounts", sa.Column("head", sa.String(length=64), nullable=False, server_default=GENESIS)
    )
    op.add_column("ledger_postings", sa.Column("hash", sa.String(length=64), nullable=True))
    op.drop_column("ledger_transactions", "prev_hash")
    _rechain(bind)
    with op.batch_alter_table("ledger_postings") as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    op.drop_table("ledger_head")
    op.create_table(
        "ledger_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("legacy_hash", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_seals")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_ledger_seals_prev_hash")),
    )
    op.create_table(
        "ledger_sealed_heads",
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_sealed_heads_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["seal_id"], ["ledger_seals.id"], name=op.f("fk_ledger_sealed_heads_seal_id_ledger_seals")
        ),
        sa.PrimaryKeyConstraint("seal_id", "account_id", name=op.f("pk_ledger_sealed_heads")),
    )
    if legacy is not None:
        _first_seal(bind, legacy)
    install_guards(bind)


def _rechain(bind):
    """Each transaction's content hash, then each account's chain, in posting order."""
    txs, legs, rows = _ledger_rows(bind)
    tx_hashes = {
        tx.id: transaction_hash(tx.kind, tx.memo, tx.reference, tx.created_at, legs[tx.id]) for tx in txs
    }
    if tx_hashes:
        bind.execute(
            transactions.update()
            .where(transactions.c.id == sa.bindparam("tx_id"))
            .values(hash=sa.bindparam("h")),
            [{"tx_id": tx_id, "h": h} for tx_id, h in tx_hashes.items()],
        )
    heads = defaultdict(lambda: GENESIS)
    links = []
    for row in rows:
        heads[row.account_id] = link_hash(
            heads[row.account_id],
            row.transaction_id,
            tx_hashes[row.transaction_id],
            row.amount,
            row.balance_after,
        )
        links.append({"posting_id": row.id, "h": heads[row.account_id]})
    if links:
        bind.execute(
            postings.update()
            .where(postings.c.id == sa.bindparam("posting_id"))
            .values(hash=sa.bindparam("h")),
            links,
        )
        bind.execute(
            accounts.update()
            .where(accounts.c.id == sa.bindparam("account_id"))
            .values(head=sa.bindparam("h")),
            [{"account_id": account, "h": head} for account, head in heads.items()],
        )


def _first_seal(bind, legacy: str):
    heads = dict(
        bind.execute(sa.select(accounts.c.id, accounts.c.head).where(accounts.c.head != GENESIS)).all()
    )
    now = points.base.utcnow()
    root = root_of(heads)
    seal_id = bind.execute(
        seals.insert()
        .values(
            created_at=now,
            accounts=len(heads),
            root=root,
            legacy_hash=legacy,
            prev_hash=GENESIS,
            hash=seal_hash(GENESIS, len(heads), root, legacy, now),
        )
        .returning(seals.c.id)
    ).scalar()
    if heads:
        bind.execute(
            sealed_heads.insert(),
            [{"seal_id": seal_id, "account_id": account, "head": head} for account, head in heads.items()],
        )


def _old_chain_hash(prev_hash, kind, memo, reference, created_at, legs) -> str:
    """The single chain's hash (points.ledger.chain_hash until this revision)."""
    content = json.dumps(
        [prev_hash, kind, memo, reference, created_at.isoformat(), sorted(legs)], ensure_ascii=False
    )
    return hashlib.sha256(content.encode()).hexdigest()


def downgrade():
    bind = op.get_bind()
    for statement in drop_guard_ddl(bind.dialect.name):
        op.execute(statement)
    op.drop_table("ledger_sealed_heads")
    op.drop_table("ledger_seals")
    op.add_column(
        "ledger_transactions",
        sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=GENESIS),
    )
    txs, legs, _ = _ledger_rows(bind)
    prev, chain = GENESIS, []
    for tx in txs:
        new = _old_chain_hash(prev, tx.kind, tx.memo, tx.reference, tx.created_at, legs[tx.id])
        chain.append({"tx_id": tx.id, "p": prev, "h": new})
        prev = new
    if chain:
        bind.execute(
            transactions.update()
            .where(transactions.c.id == sa.bindparam("tx_id"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
            chain,
        )
    op.drop_column("ledger_postings", "hash")
    op.drop_column("ledger_accounts", "head")
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    if txs:
        bind.execute(head_row.insert().values(id=1, last_hash=prev))
    if bind.dialect.name == "postgresql":
        op.execute(
            """CREATE FUNCTION ledger_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN UPDATE ledger_head SET last_hash = NEW.hash WHERE id = 1; RETURN NULL; END $$"""
        )
        op.execute(
            """CREATE TRIGGER ledger_head_follows AFTER INSERT ON ledger_transactions
                   FOR EACH ROW EXECUTE FUNCTION ledger_head_follows()"""
        )
    else:
        op.execute(
            """CREATE TRIGGER ledger_head_follows AFTER INSERT ON ledger_transactions
                   BEGIN UPDATE ledger_head SET last_hash = NEW.hash WHERE id = 1; END"""
        )
    install_guards(bind)
