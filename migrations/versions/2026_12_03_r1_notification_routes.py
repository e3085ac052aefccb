"""Notifications name the page they point at by route and arguments instead of a URL
that services built: ``link`` becomes ``route`` + ``route_args``. Existing links are
mapped to their routes; a link no route matches is dropped (the message stays).

Revision ID: 2026_12_03_r1
Revises: 2026_12_03_l1
Create Date: 2026-12-03 14:10:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2026_12_03_r1"
down_revision = "2026_12_03_l1"
branch_labels = None
depends_on = None

# Every link the services wrote up to this date, and the route that serves it.
ROUTES = (
    (re.compile(r"^/orders/(\d+)$"), "orders.detail", "order_id", "/orders/{}"),
    (re.compile(r"^/duties/events/(\d+)$"), "duties.event", "event_id", "/duties/events/{}"),
    (re.compile(r"^/activities/(\d+)$"), "activities.detail", "activity_id", "/activities/{}"),
    (re.compile(r"^/duties/$"), "duties.index", None, "/duties/"),
)

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer),
    sa.column("link", sa.String),
    sa.column("route", sa.String),
    sa.column("route_args", sa.JSON),
)


def _route(link: str) -> dict:
    for pattern, route, argument, _ in ROUTES:
        found = pattern.match(link)
        if found:
            return {"route": route, "route_args": {argument: int(found.group(1))} if argument else {}}
    return {"route": None, "route_args": None}


def _link(route: str, args: dict | None) -> str | None:
    for _, known, argument, template in ROUTES:
        if known == route:
            return template.format((args or {}).get(argument, ""))
    return None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("route_args", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notifications.c.id, notifications.c.link).where(notifications.c.link.is_not(None))
    )
    updates = [{"row_id": row.id, **_route(row.link)} for row in rows]
    if updates:
        bind.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row_id"))
            .values(route=sa.bindparam("route"), route_args=sa.bindparam("route_args")),
            updates,
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("link")


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notifications.c.id, notifications.c.route, notifications.c.route_args).where(
            notifications.c.route.is_not(None)
        )
    )
    updates = [{"row_id": row.id, "link": _link(row.route, row.route_args)} for row in rows]
    if updates:
        bind.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row_id"))
            .values(link=sa.bindparam("link")),
            updates,
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("route_args")
        batch_op.drop_column("route")
