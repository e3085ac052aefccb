"""Delivery fixtures: the file backend's file, a policy with a fixed jitter, a worker run."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from engage.outbox.adapters import FileBackend
from engage.outbox.preferences import Rules
from engage.outbox.worker import Policy, deliver_due
from tests.outbox.providers import Provider

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = Policy(
    rules=Rules(SHANGHAI, (22, 7), 8),
    lease=timedelta(seconds=60),
    max_attempts=4,
    retry=timedelta(seconds=10),
    batch=10,
    jitter=lambda: 0.0,
)


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms-outbox.jsonl"


@pytest.fixture
def app(make_app, sms_file, tmp_path):
    return make_app(SMS_OUTBOX_FILE=str(sms_file), WECHAT_OUTBOX_FILE=str(tmp_path / "wechat-outbox.jsonl"))


def lines(path) -> list[dict]:
    """What the file backend wrote, one dict per message."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def deliver(db, sms_file, tmp_path):
    """``deliver(at=None, adapters=None, policy=POLICY)``: one worker run through the file
    backend (or the given adapters), on the test's session, at a fixed time if given."""

    def run(at=None, adapters=None, policy=POLICY):
        adapters = adapters or {
            "sms": FileBackend(str(sms_file)),
            "wechat": FileBackend(str(tmp_path / "wx.jsonl")),
        }
        return deliver_due(db.session, adapters, policy, **({"clock": lambda: at} if at else {}))

    return run


@pytest.fixture
def provider():
    """``provider(answer)``: a local provider server, stopped after the test."""
    started = []

    def start(answer):
        started.append(Provider(answer).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()
