"""``flask engage import`` and ``flask engage import-template`` (docs/api.md, "Import (CLI)")."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.errors import DomainError
from engage.extensions import db
from engage.i18n import local_zone
from engage.imports import services, templates
from engage.imports.kinds import Context
from engage.imports.registry import KINDS

KIND = click.Choice(sorted(KINDS))


@click.command("import-template")
@with_appcontext
@click.argument("kind", type=KIND)
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def import_template_command(kind: str, out: Path) -> None:
    """Write the template of KIND: Chinese headers, an example row and notes."""
    out.write_bytes(templates.template(KINDS[kind]))
    click.echo(f"Template for {kind} written to {out}.")


@click.command("import")
@with_appcontext
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community-id", type=int, default=None, help="The community the rows belong to.")
@click.option("--dry-run", is_flag=True, help="Check and count only; write nothing.")
@click.pass_context
def import_command(
    ctx: click.Context, kind: str, file: Path, community_id: int | None, dry_run: bool
) -> None:
    """Import FILE (.xlsx or .csv) of KIND, all rows or none; exits 1 naming each refused row."""
    session = db.session
    try:
        context = Context(
            session,
            services.operator_target(session, community_id),
            current_app.config["DATA_ENCRYPTION_KEY"],
            local_zone(),
        )
        data = file.read_bytes()
        if dry_run:
            report, _plan = services.assess(context, KINDS[kind], data, file.name)
        else:
            report = services.apply(context, KINDS[kind], data, file.name, actor=None)
    except services.ImportRefused as refused:
        session.rollback()
        report = refused.report
    except DomainError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    for refusal in report.refusals:
        click.echo(f"row {refusal.row}: {refusal.reason}", err=True)
    if report.refusals:
        session.rollback()
        click.echo(f"{len(report.refusals)} rows refused; nothing imported.", err=True)
        ctx.exit(1)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    prefix = "dry run: would be " if dry_run else ""
    click.echo(f"{prefix}created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
