"""``flask engage worker``: the delivery worker, in a loop (or ``--once``)."""

from __future__ import annotations

import time

import click
from flask import current_app

from engage.extensions import db


def delivery_job():
    """Delivery as ``tick`` runs it (and the worker loop, each round): everything due, once."""
    from engage.i18n import local_zone
    from engage.outbox.adapters import adapters_from_config
    from engage.outbox.worker import Policy, deliver_due

    config = current_app.config
    adapters, policy = adapters_from_config(config), Policy.from_config(config, local_zone())
    return lambda session: deliver_due(session, adapters, policy)


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
def worker_command(once: bool) -> None:
    """Deliver queued SMS and WeChat messages: claim what is due, send, record each try;
    then wait OUTBOX_POLL_SECONDS and go again (Ctrl-C stops)."""
    deliver = delivery_job()
    pause = current_app.config["OUTBOX_POLL_SECONDS"]
    try:
        while True:
            counts = deliver(db.session)
            if counts or once:
                click.echo("; ".join(f"{label} {count}" for label, count in counts.items()) or "nothing due")
            if once:
                return
            time.sleep(pause)
    except KeyboardInterrupt:
        db.session.rollback()
