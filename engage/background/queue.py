"""The job queue: named tasks (``tasks.TASKS``) that RQ workers on Redis run when ``REDIS_URL``
is set, and that run inline, in the caller's unit of work, when it is not (the embedded
default, the demo, the tests), so nothing beyond the app is needed to run Engage.

RQ, not Celery: the jobs are few and plain (deliver, export, reports, tallies, tick), each a
function of the database; RQ needs Redis alone, runs a job in a worker the CLI starts
(``flask engage worker``, which already holds the app and its database session), and keeps
each job's state, progress (``job.meta``) and result in Redis, where every web host can read
them. A queued job is one unit of work: ``perform`` commits once when it ends, or rolls back.

A job reports progress as ``(done, total)``: in ``job.meta`` for the polling page, to a
progress bar for the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, SimpleWorker, get_current_job
from rq.exceptions import StopRequested
from rq.job import Job as QueuedJob
from sqlalchemy.orm import Session

from engage.extensions import db

_EXTENSION = "engage.job_queue"
Progress = Callable[[int, int], None]
STATES = {"queued": "queued", "deferred": "queued", "scheduled": "queued", "started": "started"}


def init_app(app: Flask) -> None:
    """The app's queue, or None without ``REDIS_URL``. Nothing connects until a job is sent."""
    url = app.config["REDIS_URL"]
    app.extensions[_EXTENSION] = (
        Queue(app.config["JOB_QUEUE"], connection=Redis.from_url(url)) if url else None
    )


def job_queue() -> Queue | None:
    return current_app.extensions[_EXTENSION]


def ignore_progress(_done: int, _total: int) -> None:
    """For a caller that shows no progress."""


@dataclass(frozen=True)
class Submitted:
    """A queued job's id, or (inline, no queue) the task's result."""

    job_id: str | None
    result: Any = None


def submit(name: str, params: dict | None = None, *, owner_id: int | None = None, **meta) -> Submitted:
    """Queue task ``name`` with ``params`` (plain JSON-like values); without a queue, run it now
    in the caller's unit of work. ``owner_id``: the account whose page may follow the job."""
    params = params or {}
    queue = job_queue()
    if queue is None:
        return Submitted(None, run_task(db.session, name, params, ignore_progress))
    job = queue.enqueue(
        perform,
        name,
        params,
        meta={"owner_id": owner_id, "done": 0, "total": 0, **meta},
        result_ttl=current_app.config["JOB_RESULT_SECONDS"],
        failure_ttl=current_app.config["JOB_RESULT_SECONDS"],
    )
    return Submitted(job.id)


def run_task(session: Session, name: str, params: dict, progress: Progress) -> Any:
    """The task itself, without committing."""
    from engage.background.tasks import TASKS

    return TASKS[name](session, progress, **params)


def queued(name: str) -> Callable[[Session], dict[str, int]]:
    """A ``tick`` job that queues task ``name`` when there is a queue, else runs it there."""

    def run(session: Session) -> dict[str, int]:
        if job_queue() is None:
            return run_task(session, name, {}, ignore_progress)
        submit(name)
        return {f"{name} queued": 1}

    return run


def perform(name: str, params: dict) -> Any:
    """What an RQ worker runs: the task as one unit of work, in the app's context (a worker
    started by ``flask engage worker`` has it; a plain ``rq worker`` builds the app)."""
    if not has_app_context():
        from engage import create_app

        with create_app().app_context():
            return perform(name, params)
    try:
        result = run_task(db.session, name, params, _report_progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def _report_progress(done: int, total: int) -> None:
    job = get_current_job()
    if job is not None:
        job.meta.update(done=done, total=total)
        job.save_meta()


@dataclass(frozen=True)
class JobState:
    id: str
    status: str  # queued | started | finished | failed
    done: int
    total: int
    meta: dict

    def json(self) -> dict:
        return {"id": self.id, "status": self.status, "done": self.done, "total": self.total}


def job_state(job_id: str, owner_id: int) -> JobState | None:
    """The state of the caller's own job; None for an unknown job or another's (a 404)."""
    queue = job_queue()
    job = QueuedJob.fetch(job_id, connection=queue.connection) if queue and _exists(queue, job_id) else None
    if job is None or job.meta.get("owner_id") != owner_id:
        return None
    status = job.get_status().value
    state = STATES.get(status, "finished" if status == "finished" else "failed")
    meta = job.meta
    done = meta.get("total", 0) if state == "finished" else meta.get("done", 0)
    return JobState(job.id, state, done, meta.get("total", 0), meta)


def job_result(job_id: str, owner_id: int) -> Any | None:
    """A finished job's result, for its owner; None otherwise."""
    state = job_state(job_id, owner_id)
    if state is None or state.status != "finished":
        return None
    return QueuedJob.fetch(job_id, connection=job_queue().connection).return_value()


def _exists(queue: Queue, job_id: str) -> bool:
    return len(job_id) <= 64 and bool(queue.connection.exists(QueuedJob.key_for(job_id)))


def work(*, once: bool, pause: float, tick_seconds: int, echo: Callable[[str], None]) -> None:
    """``flask engage worker`` with Redis: each round, queue a delivery of what is due, and
    ``tick`` once per ``tick_seconds`` across every worker (a Redis key set only if absent
    decides which worker queues it), then run every queued job; pause and go again, or stop
    after one round with ``once``. Ctrl-C or SIGTERM stops it (a job under way finishes first)."""
    queue = job_queue()
    worker = SimpleWorker([queue], connection=queue.connection)
    try:
        while True:
            submit("deliver")
            if queue.connection.set(f"{queue.name}:tick-claimed", "1", nx=True, ex=tick_seconds):
                submit("tick")
            worker.work(burst=True, logging_level="WARNING")
            if once:
                echo(f"jobs run {worker.successful_job_count}, failed {worker.failed_job_count}")
                return
            time.sleep(pause)
    except StopRequested:
        return
