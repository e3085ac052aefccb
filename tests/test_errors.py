"""The one place errors become answers: ledger errors in the user's language, never the ledger's text."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from engage.errorhandlers import describe
from points import errors as ledger_errors

CJK = re.compile(r"[\u4e00-\u9fff]")
LEDGER_TEXT = "user:6 has too few points for 20"


def _all_ledger_errors() -> list[type[ledger_errors.LedgerError]]:
    return [
        cls
        for cls in vars(ledger_errors).values()
        if isinstance(cls, type) and issubclass(cls, ledger_errors.LedgerError)
    ]


@pytest.mark.parametrize("error_class", _all_ledger_errors(), ids=lambda cls: cls.__name__)
def test_every_ledger_error_is_told_in_the_users_language_without_the_ledgers_text(app, error_class):
    with app.test_request_context():
        with force_locale("zh_CN"):
            status, code, chinese, _fields = describe(error_class(LEDGER_TEXT))
        with force_locale("en"):
            english = describe(error_class(LEDGER_TEXT))[2]
    assert LEDGER_TEXT not in chinese and "user:" not in english
    assert CJK.search(chinese) and not CJK.search(english), (chinese, english)
    assert (status >= 500) == (code == "internal_error")


def test_the_ledgers_refusals_keep_the_contracts_codes(app):
    with app.test_request_context():
        assert describe(ledger_errors.InsufficientPoints(LEDGER_TEXT))[:2] == (409, "insufficient_points")
        assert describe(ledger_errors.IdempotencyMismatch("key"))[:2] == (409, "idempotency_mismatch")
        assert describe(ledger_errors.UnbalancedTransaction("sum"))[:2] == (500, "internal_error")
