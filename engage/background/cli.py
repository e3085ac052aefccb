"""Running a task from the CLI with a progress bar: inline, or following its queued job."""

from __future__ import annotations

import time
from typing import Any

import click
from rq.job import Job as QueuedJob

from engage.background.queue import job_queue, run_task, submit
from engage.extensions import db

POLL_SECONDS = 0.5


def run_with_progress(name: str, label: str, *, wait: bool) -> Any | None:
    """Without a queue: run task ``name`` now, committed, with a progress bar; its result.
    With one: queue it and print the job's id; with ``wait``, follow the job's progress until
    it ends (a worker must be running), and its result (a failed job: an error)."""
    if job_queue() is None:
        with click.progressbar(length=1, label=label, show_pos=True) as bar:
            result = run_task(db.session, name, {}, lambda done, total: _advance(bar, done, total))
            db.session.commit()
        return result
    job_id = submit(name).job_id
    click.echo(f"queued job {job_id}")
    if not wait:
        return None
    return _follow(QueuedJob.fetch(job_id, connection=job_queue().connection), label)


def _advance(bar, done: int, total: int) -> None:
    bar.length = max(total, 1)
    bar.update(done - bar.pos)


def _follow(job: QueuedJob, label: str) -> Any:
    with click.progressbar(length=1, label=label, show_pos=True) as bar:
        while not (job.is_finished or job.is_failed):
            time.sleep(POLL_SECONDS)
            job.refresh()
            _advance(bar, job.meta.get("done", 0), job.meta.get("total", 0))
    if job.is_failed:
        raise click.ClickException(f"job {job.id} failed")
    return job.return_value()
