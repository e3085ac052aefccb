"""A failure in the middle of a posting leaves nothing; a retry completes it once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import points
from points import ledger
from points.models import Posting, Transaction


def test_exception_between_statements_leaves_nothing_and_retry_completes_once(
        sessions, fund, monkeypatch, verified):
    fund("community:1:budget", 100)
    real_all = ledger._Driver.all
    calls = {"n": 0}

    def failing_all(driver, sql, rows):
        calls["n"] += 1
        if calls["n"] == 2:  # the balances have changed, the postings are not written yet
            raise ConnectionError("lost the database half-way")
        return real_all(driver, sql, rows)

    monkeypatch.setattr(ledger._Driver, "all", failing_all)
    with sessions() as session, pytest.raises(ConnectionError):
        points.transfer(session, "community:1:budget", "user:1", 40, kind="award",
                        idempotency_key="retry-me")
    with sessions() as session:
        assert points.balance(session, "community:1:budget").total == 100
        assert points.balance(session, "user:1").total == 0
        assert session.scalar(select(func.count()).select_from(Transaction)) == 1  # the funding
    monkeypatch.setattr(ledger._Driver, "all", real_all)
    for _ in range(2):
        with sessions() as session:
            points.transfer(session, "community:1:budget", "user:1", 40, kind="award",
                            idempotency_key="retry-me")
            session.commit()
    with sessions() as session:
        assert points.balance(session, "user:1").total == 40
        assert session.scalar(select(func.count()).select_from(Posting)) == 4
    verified()
