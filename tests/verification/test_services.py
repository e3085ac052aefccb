"""SMS verification codes on a fixed clock: limits per phone and per client address, expiry,
single use, wrong tries, and requests at once (real threads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.errors import Invalid, RateLimited
from engage.outbox.models import OutboxMessage
from engage.verification.models import SmsCode
from engage.verification.services import CodeRules, consume_code, purge_codes, request_code
from tests.factories import reread, together

RULES = CodeRules(key="test-secret-key")
T0 = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: codes do not wait for morning
PHONE, OTHER = "13800000001", "13800000002"


def _request(db, phone=PHONE, *, at=T0, ip="10.0.0.1", purpose="login", send=True):
    row = request_code(db.session, RULES, purpose=purpose, phone=phone, ip=ip, send=send, now=at)
    db.session.commit()
    return row


def _sent_codes(db) -> list[str]:
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [row.params["code"] for row in rows]


def _consume(db, code, *, phone=PHONE, at=T0, purpose="login") -> bool:
    result = consume_code(db.session, RULES, purpose=purpose, phone=phone, code=code, now=at)
    db.session.commit()
    return result


def test_a_code_goes_out_as_an_urgent_sms_and_only_its_hmac_is_kept(db):
    row = _request(db)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    code = message.params["code"]
    assert len(code) == 6 and code.isdigit()
    assert (message.kind, message.urgent, message.address, message.user_id) == ("sms_code", True, PHONE, None)
    assert code in message.text and "10" in message.text
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at == T0 + timedelta(minutes=10)


def test_a_code_is_good_once(db):
    _request(db)
    [code] = _sent_codes(db)
    assert _consume(db, code, at=T0 + timedelta(minutes=9)) is True
    assert _consume(db, code, at=T0 + timedelta(minutes=9)) is False


def test_a_code_expires_after_ten_minutes(db):
    _request(db)
    [code] = _sent_codes(db)
    assert _consume(db, code, at=T0 + timedelta(minutes=10)) is False


def test_five_wrong_tries_kill_the_code(db):
    _request(db)
    [code] = _sent_codes(db)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert [_consume(db, wrong) for _ in range(5)] == [False] * 5
    assert _consume(db, code) is False
    assert db.session.scalar(select(SmsCode.attempts)) == 5


def test_four_wrong_tries_leave_the_right_one_good(db):
    _request(db)
    [code] = _sent_codes(db)
    assert [_consume(db, "000000" if code != "000000" else "111111") for _ in range(4)] == [False] * 4
    assert _consume(db, code) is True


def test_only_the_newest_code_of_a_phone_and_purpose_counts(db):
    _request(db)
    _request(db, at=T0 + timedelta(minutes=1))
    first, second = _sent_codes(db)
    later = T0 + timedelta(minutes=2)
    assert _consume(db, first, at=later) is (first == second)
    assert _consume(db, second, at=later) is True


def test_a_code_serves_only_its_purpose_and_phone(db):
    _request(db, purpose="reset")
    [code] = _sent_codes(db)
    assert _consume(db, code, purpose="login") is False
    assert _consume(db, code, phone=OTHER, purpose="reset") is False
    assert _consume(db, code, purpose="reset") is True


def test_one_code_a_minute_per_phone(db):
    _request(db)
    with pytest.raises(RateLimited, match="60 秒"):
        _request(db, ip="10.0.0.2")
    db.session.rollback()
    with pytest.raises(RateLimited, match="1 秒"):
        _request(db, at=T0 + timedelta(seconds=59), ip="10.0.0.3")
    db.session.rollback()
    _request(db, at=T0 + timedelta(seconds=60), ip="10.0.0.4")
    assert len(_sent_codes(db)) == 2


def test_ten_codes_a_day_per_phone(db):
    for n in range(10):
        _request(db, at=T0 + timedelta(minutes=n), ip=f"10.0.1.{n}")
    with pytest.raises(RateLimited, match="明天"):
        _request(db, at=T0 + timedelta(hours=23, minutes=59), ip="10.0.2.1")
    db.session.rollback()
    _request(db, at=T0 + timedelta(days=1), ip="10.0.2.2")
    assert len(_sent_codes(db)) == 11


def test_the_same_limits_per_client_address(db):
    phones = [f"1390000{n:04d}" for n in range(12)]
    _request(db, phones[0])
    with pytest.raises(RateLimited):
        _request(db, phones[1], at=T0 + timedelta(seconds=30))
    db.session.rollback()
    for n in range(1, 10):
        _request(db, phones[n], at=T0 + timedelta(minutes=n))
    with pytest.raises(RateLimited, match="明天"):
        _request(db, phones[10], at=T0 + timedelta(hours=1))
    db.session.rollback()
    _request(db, phones[11], at=T0 + timedelta(hours=1), ip="10.0.0.9")
    assert len(_sent_codes(db)) == 11


def test_a_request_without_sending_counts_all_the_same(db):
    assert _request(db, send=False) is None
    assert _sent_codes(db) == []
    with pytest.raises(RateLimited):
        _request(db, at=T0 + timedelta(seconds=10))


def test_a_bad_phone_or_purpose_is_invalid(db):
    with pytest.raises(Invalid) as bad_phone:
        _request(db, "12345")
    assert "phone" in bad_phone.value.fields
    with pytest.raises(Invalid) as bad_purpose:
        _request(db, purpose="anything")
    assert "purpose" in bad_purpose.value.fields


def test_purge_forgets_codes_and_counts_after_a_day(db):
    _request(db)
    assert purge_codes(db.session, now=T0 + timedelta(hours=12)) == 0
    assert purge_codes(db.session, now=T0 + timedelta(days=1, minutes=11)) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SmsCode)) == 0


@pytest.mark.concurrency
def test_requests_at_once_send_one_code(app, db):
    results = together(
        app,
        [
            lambda session, n=n: request_code(
                session, RULES, purpose="login", phone=PHONE, ip=f"10.0.3.{n}", now=T0
            )
            for n in range(4)
        ],
    )
    assert sum(isinstance(result, SmsCode) for result in results) == 1
    assert sum(isinstance(result, RateLimited) for result in results) == 3
    assert len(_sent_codes(db)) == 1


@pytest.mark.concurrency
def test_tries_at_once_compare_at_most_five(app, db):
    _request(db)
    [code] = _sent_codes(db)
    wrong = "000000" if code != "000000" else "111111"
    db.session.commit()
    results = together(
        app,
        [
            lambda session: consume_code(session, RULES, purpose="login", phone=PHONE, code=wrong, now=T0)
            for _ in range(8)
        ],
    )
    assert results == [False] * 8
    reread(db.session)
    assert db.session.scalar(select(SmsCode.attempts)) == 5
    assert _consume(db, code) is False
