"""A failure after a posting's rows are written, before commit, leaves nothing; a retry completes it once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import points
from points import ledger
from points.models import Posting, Transaction


def test_exception_before_commit_leaves_nothing_and_retry_completes_once(
    sessions, fund, monkeypatch, verified
):
    fund("community:1:budget", 100)

    def lost_connection(session, account_ids):
        raise ConnectionError("lost the database half-way")  # every row written, nothing committed

    monkeypatch.setattr(ledger, "_forget_accounts", lost_connection)
    with sessions() as session, pytest.raises(ConnectionError):
        points.transfer(session, "community:1:budget", "user:1", 40, kind="award", idempotency_key="retry-me")
    with sessions() as session:
        assert points.balance(session, "community:1:budget").total == 100
        assert points.balance(session, "user:1").total == 0
        assert session.scalar(select(func.count()).select_from(Transaction)) == 1  # the funding
    monkeypatch.undo()
    for _ in range(2):
        with sessions() as session:
            points.transfer(
                session, "community:1:budget", "user:1", 40, kind="award", idempotency_key="retry-me"
            )
            session.commit()
    with sessions() as session:
        assert points.balance(session, "user:1").total == 40
        assert session.scalar(select(func.count()).select_from(Posting)) == 4
    verified()
