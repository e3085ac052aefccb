"""The SMS outbox file of this test's app, and the code a worker run delivered to a phone."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms-outbox.jsonl"


@pytest.fixture
def app(make_app, sms_file):
    return make_app(SMS_OUTBOX_FILE=str(sms_file))


@pytest.fixture
def texts(app, sms_file):
    """``texts(phone)``: run the delivery worker once (``flask engage worker --once``), then
    every SMS text the file backend wrote to ``phone``, oldest first."""

    def run(phone: str) -> list[str]:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["engage", "worker", "--once"])
        assert result.exit_code == 0, result.output
        if not sms_file.exists():
            return []
        lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
        return [line["text"] for line in lines if line["to"] == phone]

    return run


@pytest.fixture
def sms_code(texts):
    """``sms_code(phone)``: the code in the newest SMS a worker run delivered to ``phone``."""

    def run(phone: str) -> str:
        return re.search(r"验证码 (\d{6})", texts(phone)[-1]).group(1)

    return run
