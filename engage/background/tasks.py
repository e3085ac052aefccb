"""The tasks the job queue runs, by name: each ``run(session, progress, **params)`` does its
work without committing (a queued job commits when it ends; inline, the caller's unit of work
does) and reports ``progress(done, total)``. They run in an app context (settings, zone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engage.background.queue import Progress
from engage.i18n import local_zone
from points.base import utcnow


def deliver(session: Session, progress: Progress) -> dict[str, int]:
    """Every SMS and WeChat message due (the outbox worker's send loop, once)."""
    from engage.outbox.cli import delivery_job

    return delivery_job()(session)


def tallies(session: Session, progress: Progress) -> dict[str, int]:
    from engage.rankings.leaderboards import rebuild_tallies

    progress(0, 1)
    rebuilt = rebuild_tallies(session, zone=local_zone(), now=utcnow())
    progress(1, 1)
    return {"leaderboard tallies": rebuilt}


def reports(session: Session, progress: Progress) -> dict[str, int]:
    from engage.rankings.reports import generate

    return {"reports kept": generate(session, now=utcnow(), zone=local_zone(), progress=progress)}


def tick(session: Session, progress: Progress) -> dict[str, Any]:
    """``flask engage tick``'s jobs, each committed on its own, as the worker schedules them."""
    from engage.cli import tick_jobs
    from engage.jobs import run_jobs

    report = run_jobs(session, tick_jobs())
    return {**report.counts, "failures": report.failures}


def redemptions_export(session: Session, progress: Progress, **params) -> bytes:
    from marketplace.export import redemptions_export as export

    return export(session, progress, zone=local_zone(), **params)


TASKS = {
    "deliver": deliver,
    "tallies": tallies,
    "reports": reports,
    "tick": tick,
    "redemptions_export": redemptions_export,
}
