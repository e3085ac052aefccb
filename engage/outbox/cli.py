"""``flask engage worker``: the delivery worker, in a loop (or ``--once``); with a job queue,
the RQ worker (``engage.background.queue.work``)."""

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
    then wait OUTBOX_POLL_SECONDS and go again (Ctrl-C stops). With REDIS_URL it is an RQ
    worker: delivery is one of its jobs, with exports, reports, tallies and ``tick``."""
    from engage.background.queue import job_queue, work

    pause = current_app.config["OUTBOX_POLL_SECONDS"]
    if job_queue() is not None:
        return work(once=once, pause=pause, tick_seconds=current_app.config["TICK_SECONDS"], echo=click.echo)
    deliver = delivery_job()
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
