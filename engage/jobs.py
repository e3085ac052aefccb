"""Periodic work as a list of jobs, each its own unit of work (what ``flask engage tick`` runs).

A job commits when it ends; a job that fails is rolled back, reported and skipped, and
the next one runs, so one community's empty budget cannot undo everyone's reminders.
Each job's transaction ends before the next begins, so a job that posts to the ledger
holds its accounts' locks only for itself, never while the reminders or reports run.

Jobs that pay per community run one transaction per community rather than a savepoint
per community inside one transaction: a savepoint would keep the budget accounts locked
(and the finished communities uncommitted) until the last community is done, while a
transaction per community releases the locks and keeps each community's work at once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.community.models import Community

log = logging.getLogger("engage.jobs")

Counts = dict[str, int]


@dataclass(frozen=True)
class Job:
    """``run(session)`` (or ``run(session, community_id)`` when ``per_community``) does the
    work without committing and returns what it did, as counts by label, for the report."""

    name: str
    run: Callable[..., Counts]
    per_community: bool = False


@dataclass
class JobReport:
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "; ".join(f"{label} {count}" for label, count in self.counts.items())


def run_jobs(session: Session, jobs: list[Job]) -> JobReport:
    """Run every job, each committed on its own; failures are collected, not raised."""
    report = JobReport()
    for job in jobs:
        if not job.per_community:
            _run_one(session, report, job.name, job.run)
            continue
        for community_id in session.scalars(select(Community.id).order_by(Community.id)).all():
            _run_one(
                session,
                report,
                f"{job.name} (community {community_id})",
                lambda s, job=job, community_id=community_id: job.run(s, community_id),
            )
    return report


def _run_one(session: Session, report: JobReport, label: str, run: Callable[[Session], Counts]) -> None:
    try:
        counts = run(session)
        session.commit()
    except Exception as error:  # noqa: BLE001 - any failure is this job's alone: report it, go on
        session.rollback()
        log.exception("job %s failed", label)
        report.failures.append(f"{label}: {type(error).__name__}: {error}")
        return
    report.counts.update(counts)
