"""``flask engage …``: operator commands. Each runs one unit of work and commits once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.errors import DomainError
from engage.extensions import db
from engage.jobs import Job, run_jobs

engage_cli = AppGroup("engage", help="Engage operator commands (志愿积分平台运维命令).")


def register_subgroups() -> None:
    """Each capability's own command group, under ``flask engage``."""
    from engage.imports.cli import import_command, import_template_command
    from engage.ledger.cli import points_cli
    from engage.outbox.cli import worker_command

    engage_cli.add_command(points_cli)
    engage_cli.add_command(worker_command)
    engage_cli.add_command(import_command)
    engage_cli.add_command(import_template_command)


@engage_cli.command("demo")
def demo_command() -> None:
    """Create the demo street, communities, accounts and history (idempotent)."""
    from flask import current_app

    from engage.demo import DEMO_PASSWORD, load_demo

    config = current_app.config
    created = load_demo(db.session, key=config["DATA_ENCRYPTION_KEY"], stale_days=config["DUTY_STALE_DAYS"])
    db.session.commit()
    if created:
        click.echo(
            f"Demo data created. Accounts (password {DEMO_PASSWORD}): "
            "admin staff gridworker volunteer1 volunteer2 resident1 resident2 property1 kiosk1"
        )
    else:
        click.echo("Demo data already present; nothing changed.")


@engage_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Display (real) name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="resident, volunteer, grid_worker, staff, admin, property_manager, kiosk, district_admin or "
    "department; repeatable.",
)
@click.option("--community-id", type=int, default=None)
@click.option("--street-id", type=int, default=None)
@click.option("--district-id", type=int, default=None, help="The district a district_admin runs.")
@click.option("--phone", default=None)
@click.password_option()
def create_user_command(username, display_name, roles, community_id, street_id, district_id, phone, password):
    """Create an account of any role (the first admin, staff, kiosks)."""
    from engage.auth.services import create_user

    try:
        user = create_user(
            db.session,
            username=username,
            password=password,
            display_name=display_name,
            roles=list(roles),
            community_id=community_id,
            street_id=street_id,
            district_id=district_id,
            phone=phone,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} {error.fields or ''}".strip()) from None
    click.echo(f"Created user {user.username} (id {user.id}) with roles {', '.join(user.roles)}.")


@engage_cli.command("create-street")
@click.argument("street")
@click.argument("communities", nargs=-1, required=True)
@click.option("--district", required=True, help="The district (区/县级市) it belongs to; created if new.")
def create_street_command(street, communities, district):
    """Create a street office and its communities, to start a real deployment."""
    from sqlalchemy import select

    from engage.community.models import Community, District, Street
    from engage.rankings.scoring import add_default_criteria

    parent = db.session.scalar(select(District).where(District.name == district)) or District(name=district)
    row = Street(district=parent, name=street, communities=[Community(name=name) for name in communities])
    db.session.add(row)
    db.session.flush()
    add_default_criteria(db.session, row.id)
    db.session.commit()
    ids = ", ".join(f"{c.name}={c.id}" for c in row.communities)
    click.echo(f"Created street {row.name} (id {row.id}) with communities {ids}.")


@engage_cli.command("set-active")
@click.argument("username")
@click.option("--disable", is_flag=True, help="Disable the account and end all its sessions.")
def set_active_command(username, disable):
    """Enable or disable an account (disabling ends every session and token at once)."""
    from engage.auth.services import find_user, set_user_active

    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"No such user: {username}")
    set_user_active(db.session, user, not disable)
    db.session.commit()
    click.echo(f"{user.username} is now {'disabled' if disable else 'active'}.")


@engage_cli.command("grant")
@click.argument("username")
@click.argument("category", type=click.Choice(["mental_illness", "petitioner", "religious"]))
@click.option("--by", "admin_username", required=True, help="The street admin granting it (recorded).")
def grant_command(username, category, admin_username):
    """Let a colleague see one restricted 468 category (精神病人, 信访人员, 信教群众)."""
    from engage.auth.services import find_user
    from engage.duties.care import grant_category

    user, admin = find_user(db.session, username), find_user(db.session, admin_username)
    if user is None or admin is None:
        raise click.ClickException("No such user.")
    grant_category(db.session, admin, user.id, category)
    db.session.commit()
    click.echo(f"{user.username} may now see {category}.")


@engage_cli.command("reports")
@click.option("--wait", is_flag=True, help="With a job queue: follow the queued job until it ends.")
def reports_command(wait: bool) -> None:
    """Keep each street's report for the last finished week, month, quarter and year (idempotent);
    with a job queue (REDIS_URL), a worker makes them."""
    from engage.background.cli import run_with_progress

    counts = run_with_progress("reports", "reports", wait=wait)
    if counts is not None:
        click.echo(f"reports kept: {counts['reports kept']}")


@engage_cli.command("tick")
@click.pass_context
def tick_command(ctx: click.Context) -> None:
    """Periodic work for cron (idempotent): order reminders and escalations, expired holds,
    forgotten activity check-outs, unclaimed online redemptions (refunded), 468 reminders,
    escalations and reports, the leaderboard tallies, the ledger's seal, and last the delivery of
    every SMS and WeChat message due (those the jobs before just queued too). Each job commits on
    its own; a failed one is reported and the exit status is 1, the others' work stays done."""
    report = run_jobs(db.session, tick_jobs())
    click.echo(report.summary())
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)
    if report.failures:
        ctx.exit(1)


def tick_jobs() -> list[Job]:
    """The jobs of ``tick``, in order, with this run's time, zone and settings bound in. The
    tallies and the delivery are queued when there is a job queue (``REDIS_URL``)."""
    from datetime import timedelta

    from flask import current_app

    import points
    from engage.activities.attendance import close_forgotten
    from engage.background.queue import queued
    from engage.duties.events import escalate_late
    from engage.duties.rhythm import generate_reports, remind_due_visits
    from engage.i18n import local_zone
    from engage.orders.deadlines import tick_orders
    from engage.verification.services import purge_codes
    from marketplace.redemption import expire_unclaimed
    from points.base import utcnow

    now, zone, config = utcnow(), local_zone(), current_app.config

    def orders(session):
        result = tick_orders(session, now=now, zone=zone)
        return {"orders reminded": result.reminded, "orders escalated": result.escalated}

    return [
        Job("orders", orders),
        Job("holds", lambda session: {"expired holds": points.expire_holds(session, now=now)}),
        Job(
            "check-outs",
            lambda session, community_id: {
                "activity check-outs closed": close_forgotten(
                    session, community_id, now=now, max_hours=config["ACTIVITY_MAX_HOURS"]
                )
            },
            per_community=True,
        ),
        Job(
            "redemptions",
            lambda session: {"unclaimed redemptions refunded": expire_unclaimed(session, now=now)},
        ),
        Job(
            "468 visits",
            lambda session: {"468 visit reminders": remind_due_visits(session, now=now, zone=zone)},
        ),
        Job("468 events", lambda session: {"468 late events escalated": escalate_late(session, now=now)}),
        Job(
            "468 reports",
            lambda session: {
                "468 reports kept": generate_reports(
                    session, now=now, zone=zone, stale_days=config["DUTY_STALE_DAYS"]
                )
            },
        ),
        Job("tallies", queued("tallies")),
        Job(
            "ledger seal",
            lambda session: {
                "ledger seals": points.seal_if_due(
                    session, every=timedelta(minutes=config["LEDGER_SEAL_MINUTES"]), now=now
                )
            },
        ),
        Job("sms codes", lambda session: {"sms codes purged": purge_codes(session, now=now)}),
        Job("delivery", queued("deliver")),
    ]
