"""Random sequences of ledger operations against an in-memory model.

Whatever hypothesis chooses — awards, spends, refunds, reversals, holds posted in
part or voided, expiries — every balance equals the model's after each step, and
every invariant ``verify`` checks holds at the end of each example.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select
from sqlalchemy.orm import Session

import points

settings.register_profile(
    "ci",
    max_examples=1000,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=100,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

USERS = ["user:1", "user:2", "user:3"]
BUDGET, MARKET, ISSUE = "community:1:budget", "market:redeemed", "street:1:issuance"


class LedgerMachine(RuleBasedStateMachine):
    """The model is a dict of balances and pending amounts; the database must agree."""

    engine = None

    @initialize()
    def start(self):
        self.session = Session(self.engine)
        self.model: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.txs: list[int] = []
        self.holds: list[int] = []
        self._move(ISSUE, BUDGET, 500, kind="issue")

    def teardown(self):
        if hasattr(self, "session"):
            self.session.flush()
            assert points.verify(self.session) == []
            self.session.rollback()
            self.session.close()

    def _move(self, source, dest, amount, **kwargs):
        tx = points.transfer(self.session, source, dest, amount, **kwargs)
        self.model[source] = self.model.get(source, 0) - amount
        self.model[dest] = self.model.get(dest, 0) + amount
        self.txs.append(tx.id)

    def _available(self, address):
        return self.model.get(address, 0) - self.pending.get(address, 0)

    def _try(self, source, dest, amount, **kwargs):
        if self._available(source) >= amount:
            self._move(source, dest, amount, **kwargs)
        else:
            with pytest.raises(points.InsufficientPoints), self.session.begin_nested():
                points.transfer(self.session, source, dest, amount, **kwargs)

    @rule(user=st.sampled_from(USERS), amount=st.integers(1, 200))
    def award(self, user, amount):
        self._try(BUDGET, user, amount, kind="award")

    @rule(user=st.sampled_from(USERS), amount=st.integers(1, 120))
    def redeem(self, user, amount):
        self._try(user, MARKET, amount, kind="redeem")

    @rule(user=st.sampled_from(USERS), amount=st.integers(1, 50))
    def refund(self, user, amount):
        self._try(MARKET, user, amount, kind="refund")

    @precondition(lambda self: self.txs)
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick):
        tx = self.session.get(points.Transaction, self.txs[pick % len(self.txs)])
        if (
            tx.kind == "reversal"
            or self.session.query(points.Transaction).filter_by(reverses_id=tx.id).first()
        ):
            return
        legs = [(p.account.address, -p.amount) for p in tx.postings]
        if all(self._available(a) + amt >= 0 or a == ISSUE for a, amt in legs):
            back = points.reverse(self.session, tx)
            for address, amount in legs:
                self.model[address] = self.model.get(address, 0) + amount
            self.txs.append(back.id)
        else:
            with pytest.raises(points.InsufficientPoints), self.session.begin_nested():
                points.reverse(self.session, tx)

    @rule(user=st.sampled_from(USERS), amount=st.integers(1, 100))
    def hold(self, user, amount):
        if self._available(BUDGET) >= amount:
            held = points.hold(self.session, BUDGET, user, amount, kind="order_reward")
            self.pending[BUDGET] = self.pending.get(BUDGET, 0) + amount
            self.holds.append(held.id)

    @precondition(lambda self: self.holds)
    @rule(post=st.booleans(), part=st.integers(1, 100))
    def settle(self, post, part):
        held = self.session.get(points.Hold, self.holds.pop(0))
        self.pending[BUDGET] -= held.amount
        if post:
            amount = min(part, held.amount)
            points.post_hold(self.session, held, amount=amount)
            self.model[BUDGET] -= amount
            self.model[held.destination.address] = self.model.get(held.destination.address, 0) + amount
        else:
            points.void_hold(self.session, held)

    @rule(months=st.integers(1, 3))
    def expire(self, months):
        as_of = datetime.now(UTC) + timedelta(days=31 * months + 1)
        for tx in points.expire_points(self.session, months=months, as_of=as_of):
            for posting in tx.postings:
                self.model[posting.account.address] = (
                    self.model.get(posting.account.address, 0) + posting.amount
                )

    @invariant()
    def balances_match_the_model(self):
        """After every step; the full ``verify`` runs at the end of each example."""
        if not hasattr(self, "session"):
            return
        stored = {
            a.address: points.Balance(a.balance, a.pending)
            for a in self.session.scalars(select(points.Account))
        }
        for address, expected in self.model.items():
            assert stored[address] == points.Balance(expected, self.pending.get(address, 0)), address


def test_ledger_state_machine(engine):
    LedgerMachine.engine = engine
    LedgerMachine.TestCase().runTest()
