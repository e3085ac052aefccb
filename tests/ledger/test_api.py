"""POST /api/v1/points/awards and GET /api/v1/me/points (docs/api.md)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

import points
from points.models import Transaction
from tests.factories import ApiClient, reread

AWARD = "/api/v1/points/awards"


def test_award_replay_and_mismatch(api, db, make, funded):
    staff, _admin = funded(1000)
    member = make.user("volunteer", community=staff.community)
    api.as_user(staff)
    body = {"user_id": member.id, "amount": 50, "memo": "助老"}
    first = api.post(AWARD, json=body, headers={"Idempotency-Key": "k-1"})
    again = api.post(AWARD, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert first.json["amount"] == 50 and isinstance(first.json["transaction_id"], int)
    other = api.post(AWARD, json={**body, "amount": 51}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_mismatch"
    assert points.balance(db.session, f"user:{member.id}").available == 50


def test_award_errors(api, make, funded):
    staff, _admin = funded(100)
    member = make.user("volunteer", community=staff.community)
    api.as_user(staff)
    missing = api.post(AWARD, json={"user_id": member.id, "amount": 5, "memo": "x"})
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json["error"]["fields"]
    for key, body, status, code in (
        ("a", {"user_id": member.id, "amount": 0, "memo": "x"}, 400, "invalid_input"),
        ("b", {"user_id": member.id, "amount": 101, "memo": "x"}, 409, "budget_exhausted"),
        ("c", {"user_id": 99999, "amount": 1, "memo": "x"}, 404, "not_found"),
        ("d", {"amount": 1}, 400, "invalid_input"),
    ):
        response = api.post(AWARD, json=body, headers={"Idempotency-Key": key})
        assert (response.status_code, response.json["error"]["code"]) == (status, code)
        replay = api.post(AWARD, json=body, headers={"Idempotency-Key": key})
        assert (replay.status_code, replay.json) == (status, response.json)


def test_residents_may_not_award(api, make, funded):
    staff, _admin = funded()
    resident = make.user("resident", community=staff.community)
    response = api.as_user(resident).post(
        AWARD, json={"user_id": resident.id, "amount": 1, "memo": "x"}, headers={"Idempotency-Key": "z"}
    )
    assert response.status_code == 403


def test_staff_awarding_themselves_or_the_admin_get_403(api, db, make, funded):
    staff, admin = funded()
    api.as_user(staff)
    for key, user in (("self", staff), ("admin", admin)):
        response = api.post(
            AWARD, json={"user_id": user.id, "amount": 5, "memo": "x"}, headers={"Idempotency-Key": key}
        )
        assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")
        assert points.balance(db.session, f"user:{user.id}").total == 0
    assert (
        "不能给自己发放积分"
        in api.post(
            AWARD, json={"user_id": staff.id, "amount": 5, "memo": "x"}, headers={"Idempotency-Key": "self-2"}
        ).json["error"]["message"]
    )


def test_twenty_concurrent_calls_with_one_key_make_one_transaction(make_app, db, make, funded):
    staff, _admin = funded(1000)
    member = make.user("volunteer", community=staff.community)
    app = make_app(WTF_CSRF_ENABLED=True)
    clients = [ApiClient(app.test_client()).as_user(staff) for _ in range(20)]
    body = {"user_id": member.id, "amount": 7, "memo": "并发"}
    barrier, answers = threading.Barrier(20), []

    def call(client):
        barrier.wait()
        try:
            answers.append(client.post(AWARD, json=body, headers={"Idempotency-Key": "same"}))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            answers.append(error)

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reread(db.session)
    assert {getattr(a, "status_code", a) for a in answers} == {201}
    assert len({a.json["transaction_id"] for a in answers}) == 1
    assert points.balance(db.session, f"user:{member.id}").available == 7
    assert (
        db.session.scalar(select(func.count()).select_from(Transaction).where(Transaction.kind == "award"))
        == 1
    )
    assert points.verify(db.session) == []


def test_me_points_and_balance(api, make, funded, db):
    staff, _admin = funded()
    member = make.user("volunteer", community=staff.community)
    from engage.ledger.services import award_points

    for amount in (10, 20, 30):
        award_points(db.session, staff, member.id, amount, f"奖励{amount}")
    db.session.commit()
    api.as_user(member)
    listing = api.get("/api/v1/me/points?per_page=2").json
    assert listing["total"] == 3 and [i["amount"] for i in listing["items"]] == [30, 20]
    assert listing["items"][0]["balance_after"] == 60 and listing["items"][0]["kind"] == "award"
    assert "+00:00" in listing["items"][0]["created_at"]
    assert api.get("/api/v1/me").json["points_balance"] == 60
    assert api.get("/api/v1/me/points?kind=nope").status_code == 400
