"""The mall's JSON side: idempotent redemptions, kiosks with member codes, offline queues."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

import points
from engage.errors import Invalid, RateLimited
from marketplace import catalogue, members, redemption
from marketplace.models import Redemption
from points.base import utcnow
from tests.factories import ApiClient, reread, together
from tests.marketplace.conftest import SHANGHAI


def _client(make_app, user) -> ApiClient:
    return ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client()).as_user(user)


def _key(n) -> dict:
    return {"Idempotency-Key": f"key-{n}"}


def _balance(db, user) -> int:
    reread(db.session)
    return points.balance(db.session, f"user:{user.id}").total


def test_online_redemption_replays_and_refuses_a_reused_key(make_app, db, mall, member, reward):
    buyer, soap = member(50), reward(price=10)
    client = _client(make_app, buyer)
    first = client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 2}, headers=_key(1))
    assert (
        first.status_code == 201 and first.json["points_spent"] == 20 and len(first.json["pickup_code"]) == 8
    )
    again = client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 2}, headers=_key(1))
    assert (again.status_code, again.json) == (201, first.json)
    other = client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(1))
    assert (other.status_code, other.json["error"]["code"]) == (409, "idempotency_mismatch")
    assert _balance(db, buyer) == 30


def test_a_retry_that_fails_unexpectedly_still_gets_the_first_answer(
    make_app, db, mall, member, reward, monkeypatch
):
    buyer, soap = member(50), reward(price=10)
    client = _client(make_app, buyer)
    first = client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(1))

    def broken(*args, **kwargs):
        raise RuntimeError("the retry's work failed")

    monkeypatch.setattr(redemption, "redeem_online", broken)
    again = client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(1))
    assert (again.status_code, again.json) == (201, first.json)
    assert _balance(db, buyer) == 40


def test_one_key_sent_ten_times_at_once_redeems_once(make_app, db, mall, member, reward):
    buyer, soap = member(50), reward(price=10)
    clients = [_client(make_app, buyer) for _ in range(10)]
    body = {"reward_id": soap.id, "quantity": 1}
    answers = together(
        make_app(),
        [lambda _s, c=c: c.post("/api/v1/redemptions", json=body, headers=_key(7)) for c in clients],
    )
    assert {(a.status_code, a.json["id"]) for a in answers} == {(201, answers[0].json["id"])}
    assert _balance(db, buyer) == 40
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1


def test_bad_input_gets_the_contracts_codes_and_moves_nothing(make_app, db, mall, member, reward):
    buyer, soap = member(50), reward(price=10, stock=1)
    client = _client(make_app, buyer)
    for n, (body, status, code) in enumerate(
        (
            ({"reward_id": soap.id, "quantity": 0}, 400, "invalid_input"),
            ({"reward_id": soap.id, "quantity": -1}, 400, "invalid_input"),
            ({"reward_id": 999_999, "quantity": 1}, 404, "not_found"),
            ({"reward_id": soap.id, "quantity": 2}, 409, "out_of_stock"),
            ({"reward_id": soap.id, "quantity": 1, "price_points": 8}, 409, "price_changed"),
        )
    ):
        answer = client.post("/api/v1/redemptions", json=body, headers=_key(n))
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code), body
    poor = _client(make_app, member(5)).post(
        "/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(9)
    )
    assert (poor.status_code, poor.json["error"]["code"]) == (409, "insufficient_points")
    assert _balance(db, buyer) == 50
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_a_kiosk_redeems_for_the_scanned_member_once_per_code(make_app, db, mall, member, reward):
    buyer, towel = member(50), reward(price=12, kiosk=True)
    token = _client(make_app, buyer).get("/api/v1/me/member-code").json["token"]
    kiosk = _client(make_app, mall.kiosk)
    assert [r["id"] for r in kiosk.get("/api/v1/rewards").json] == [towel.id]
    body = {"member_token": token, "reward_id": towel.id, "quantity": 1}
    sold = kiosk.post("/api/v1/kiosk/redemptions", json=body, headers=_key(1))
    assert (sold.status_code, sold.json["status"], sold.json["pickup_code"]) == (201, "collected", None)
    assert kiosk.post("/api/v1/kiosk/redemptions", json=body, headers=_key(1)).json == sold.json
    reused = kiosk.post("/api/v1/kiosk/redemptions", json=body, headers=_key(2))
    assert (reused.status_code, reused.json["error"]["code"]) == (401, "invalid_member_code")
    assert _balance(db, buyer) == 38


def test_expired_forged_and_foreign_member_codes_are_refused(make_app, db, make, mall, member, reward):
    towel = reward(price=12, kiosk=True)
    buyer = member(50)
    stale = URLSafeTimedSerializer("test-secret-key", salt=members.SALT)
    signer = stale.make_signer(members.SALT)
    signer.get_timestamp = lambda: int(utcnow().timestamp()) - 121
    expired = signer.sign(stale.dump_payload({"u": buyer.id, "n": "old"})).decode()
    forged = URLSafeTimedSerializer("not-our-key", salt=members.SALT).dumps({"u": buyer.id, "n": "x"})
    outsider = make.user("resident")
    foreign = _client(make_app, outsider).get("/api/v1/me/member-code").json["token"]
    kiosk = _client(make_app, mall.kiosk)
    for n, token in enumerate((expired, forged, foreign)):
        answer = kiosk.post(
            "/api/v1/kiosk/redemptions",
            headers=_key(n),
            json={"member_token": token, "reward_id": towel.id, "quantity": 1},
        )
        assert answer.status_code == 401, n
    assert _balance(db, buyer) == 50


def test_a_kiosk_settles_its_offline_queue_in_order_and_resending_is_safe(make_app, db, mall, member, reward):
    first, second = member(100), member(100)
    towel = reward(price=10, stock=1, kiosk=True)
    codes = [_client(make_app, m).get("/api/v1/me/member-code").json["token"] for m in (first, second)]
    now = utcnow()
    queue = [
        {
            "client_ref": "k1-2",
            "member_token": codes[1],
            "reward_id": towel.id,
            "quantity": 1,
            "queued_at": (now + timedelta(seconds=1)).isoformat(),
        },
        {
            "client_ref": "k1-1",
            "member_token": codes[0],
            "reward_id": towel.id,
            "quantity": 1,
            "queued_at": now.isoformat(),
        },
    ]
    kiosk = _client(make_app, mall.kiosk)
    answer = kiosk.post("/api/v1/kiosk/redemptions/queued", json={"redemptions": queue}).json["results"]
    assert [(r["client_ref"], r["status"]) for r in answer] == [("k1-1", "settled"), ("k1-2", "refused")]
    assert answer[1]["error"]["code"] == "out_of_stock"
    resent = kiosk.post("/api/v1/kiosk/redemptions/queued", json={"redemptions": queue[1:]}).json["results"]
    assert resent[0]["redemption"]["id"] == answer[0]["redemption"]["id"]
    assert (_balance(db, first), _balance(db, second)) == (90, 100)
    assert points.verify(db.session) == []


def test_the_offline_queue_settles_by_time_not_by_how_the_time_is_written(make_app, db, mall, member, reward):
    earlier, later = member(100), member(100)
    towel = reward(price=10, stock=1, kiosk=True)
    codes = [_client(make_app, m).get("/api/v1/me/member-code").json["token"] for m in (earlier, later)]
    now = utcnow()
    queue = [
        {
            "client_ref": "utc-later",
            "member_token": codes[1],
            "reward_id": towel.id,
            "quantity": 1,
            "queued_at": (now + timedelta(seconds=20)).isoformat(),
        },
        {
            "client_ref": "beijing-earlier",
            "member_token": codes[0],
            "reward_id": towel.id,
            "quantity": 1,
            "queued_at": (now + timedelta(seconds=10)).astimezone(SHANGHAI).isoformat(),
        },
    ]
    answer = (
        _client(make_app, mall.kiosk)
        .post("/api/v1/kiosk/redemptions/queued", json={"redemptions": queue})
        .json["results"]
    )
    statuses = {r["client_ref"]: r["status"] for r in answer}
    assert statuses == {"beijing-earlier": "settled", "utc-later": "refused"}, answer
    assert (_balance(db, earlier), _balance(db, later)) == (90, 100)


def test_a_queued_sale_dated_in_the_future_is_refused_and_moves_nothing(make_app, db, mall, member, reward):
    buyer, towel = member(100), reward(price=10, stock=1, kiosk=True)
    code = _client(make_app, buyer).get("/api/v1/me/member-code").json["token"]
    queue = [
        {
            "client_ref": "k9-1",
            "member_token": code,
            "reward_id": towel.id,
            "quantity": 1,
            "queued_at": (utcnow() + timedelta(hours=1)).isoformat(),
        }
    ]
    answer = (
        _client(make_app, mall.kiosk)
        .post("/api/v1/kiosk/redemptions/queued", json={"redemptions": queue})
        .json["results"]
    )
    assert (answer[0]["status"], answer[0]["error"]["code"]) == ("refused", "invalid_member_code")
    assert _balance(db, buyer) == 100 and db.session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_a_pin_locks_after_five_failures(db, mall, member):
    buyer = member()
    card = members.set_pin(db.session, buyer, "480213")
    db.session.commit()
    assert members.check_pin(db.session, mall.kiosk, card.member_no, "480213").id == buyer.id
    for _ in range(5):
        assert members.check_pin(db.session, mall.kiosk, card.member_no, "000000") is None
        db.session.commit()
    with pytest.raises(RateLimited):
        members.check_pin(db.session, mall.kiosk, card.member_no, "480213")


def test_member_numbers_are_random_not_the_user_id(db, member):
    numbers = [members.member_card(db.session, member()) for _ in range(5)]
    assert all(re.fullmatch(r"\d{10}", card.member_no) for card in numbers)
    assert all(card.member_no != f"{card.user_id:08d}" for card in numbers)
    assert len({card.member_no for card in numbers}) == 5


def test_a_lockout_holds_at_one_kiosk_only_and_doubles_each_time(db, make, mall, member):
    buyer, other_kiosk = member(), make.user("kiosk", community=mall.community)
    card = members.set_pin(db.session, buyer, "480213")
    db.session.commit()
    start = utcnow()

    def five_wrong(at):
        for _ in range(members.PIN_ATTEMPTS):
            assert members.check_pin(db.session, mall.kiosk, card.member_no, "000000", now=at) is None
            db.session.commit()

    five_wrong(start)
    with pytest.raises(RateLimited, match="16"):
        members.check_pin(db.session, mall.kiosk, card.member_no, "480213", now=start)
    db.session.rollback()
    assert members.check_pin(db.session, other_kiosk, card.member_no, "480213", now=start).id == buyer.id
    after_first = start + members.PIN_LOCK + timedelta(seconds=1)
    five_wrong(after_first)
    with pytest.raises(RateLimited, match="31"):
        members.check_pin(db.session, mall.kiosk, card.member_no, "480213", now=after_first)
    db.session.rollback()
    after_second = after_first + 2 * members.PIN_LOCK + timedelta(seconds=1)
    assert (
        members.check_pin(db.session, mall.kiosk, card.member_no, "480213", now=after_second).id == buyer.id
    )


@pytest.mark.concurrency
def test_eight_wrong_pins_at_once_get_only_the_allowed_tries(app, db, mall, member):
    buyer = member()
    member_no = members.set_pin(db.session, buyer, "480213").member_no
    kiosk_id = mall.kiosk.id
    db.session.commit()
    results = together(
        app,
        [
            lambda session: members.check_pin(
                session, session.get(type(mall.kiosk), kiosk_id), member_no, "000000"
            )
            for _ in range(8)
        ],
    )
    assert results.count(None) == members.PIN_ATTEMPTS, results
    assert all(isinstance(r, RateLimited) for r in results if r is not None), results
    reread(db.session)
    with pytest.raises(RateLimited):
        members.check_pin(db.session, mall.kiosk, member_no, "480213")


def test_weak_pins_are_refused(db, member):
    buyer = member()
    for pin in ("12345", "111111", "123456", "abcdef"):
        with pytest.raises(Invalid):
            members.set_pin(db.session, buyer, pin)


def test_too_few_points_is_a_chinese_message_without_the_ledger_address(make_app, db, mall, member, reward):
    soap, poor = reward(price=10), member(5)
    answer = _client(make_app, poor).post(
        "/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(1)
    )
    assert (answer.status_code, answer.json["error"]) == (
        409,
        {"code": "insufficient_points", "message": "积分余额不足。"},
    )


def test_a_failure_after_the_answer_is_stored_rolls_back_the_answer_and_the_redemption(
    make_app, db, mall, member, reward, monkeypatch
):
    """The stored answer and the redemption are committed by the request's one commit, at
    its end: a failure before then (here rendering the answer) leaves neither."""
    from engage.api import idempotency
    from engage.api.models import IdempotentRequest

    buyer, soap = member(50), reward(price=10)
    client = _client(make_app, buyer)

    def unrenderable(*args, **kwargs):
        raise RuntimeError("the answer could not be rendered")

    monkeypatch.setattr(idempotency, "jsonify", unrenderable)
    with pytest.raises(RuntimeError):
        client.post("/api/v1/redemptions", json={"reward_id": soap.id, "quantity": 1}, headers=_key(1))
    assert _balance(db, buyer) == 50
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0


def test_a_refusal_is_committed_as_the_answer_its_retries_get(make_app, db, mall, member, reward):
    buyer, soap = member(50), reward(price=10, stock=0)
    client = _client(make_app, buyer)
    body = {"reward_id": soap.id, "quantity": 1}
    refused = client.post("/api/v1/redemptions", json=body, headers=_key(1))
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "out_of_stock")
    catalogue.restock(db.session, mall.staff, soap.id, catalogue.counter(db.session, mall.community.id).id, 5)
    db.session.commit()
    again = client.post("/api/v1/redemptions", json=body, headers=_key(1))
    assert (again.status_code, again.json) == (409, refused.json), "the stored refusal, not a new sale"
    assert _balance(db, buyer) == 50
