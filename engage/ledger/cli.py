"""``flask engage points …``: verify the ledger, fund communities, expire old points."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

import points
from engage.auth.services import find_user
from engage.errors import DomainError
from engage.extensions import db
from engage.ledger import services

points_cli = AppGroup("points", help="The points ledger (积分账本).")


@points_cli.command("verify")
def verify_command() -> None:
    """Check sums, balances, running balances, holds, hashes, account chains and seals; exit 1 on any
    problem."""
    problems = points.verify(db.session)
    db.session.rollback()
    for problem in problems:
        click.echo(f"FAIL {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("ledger OK")


@points_cli.command("issue")
@click.argument("community_id", type=int)
@click.argument("amount", type=int)
@click.option("--memo", required=True)
@click.option("--by", "username", required=True, help="The street admin issuing the points.")
def issue_command(community_id: int, amount: int, memo: str, username: str) -> None:
    """Fund a community's points budget from its street."""
    admin = find_user(db.session, username)
    if admin is None:
        raise click.ClickException(f"No such user: {username}")
    try:
        tx = services.issue_budget(db.session, admin, community_id, amount, memo)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message or error.code) from None
    click.echo(f"Issued {amount} points to community {community_id} (transaction {tx.id}).")


def _last_month_end(zone: ZoneInfo) -> datetime:
    today = datetime.now(zone).date()
    return datetime.combine(date(today.year, today.month, 1), time(), zone)


@points_cli.command("expire")
@click.option(
    "--months",
    type=int,
    default=None,
    help="Expire points older than this; default POINTS_EXPIRY_MONTHS (0 = off).",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Period end (local date); default the start of the current month.",
)
def expire_command(months: int | None, as_of: datetime | None) -> None:
    """Expire points earned more than N months before the period end (idempotent)."""
    months = current_app.config["POINTS_EXPIRY_MONTHS"] if months is None else months
    if months <= 0:
        click.echo("Points expiry is off (POINTS_EXPIRY_MONTHS=0); nothing done.")
        return
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    moment = as_of.replace(tzinfo=zone) if as_of else _last_month_end(zone)
    written = points.expire_points(db.session, months=months, as_of=moment)
    db.session.commit()
    total = sum(max(p.amount for p in tx.postings) for tx in written)
    click.echo(f"Expired {total} points on {len(written)} accounts.")
