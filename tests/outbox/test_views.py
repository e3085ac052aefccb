"""The admins' view of the outbox (scoped, with attempts), the notice settings on the
profile page, and the in-app channel over the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from engage.notifications.services import Link, Notice, deliver
from engage.outbox.adapters import SendResult
from engage.outbox.models import NotificationPreference
from engage.outbox.worker import deliver_due
from tests.outbox.conftest import POLICY

NOON = datetime(2030, 1, 1, 4, 0, tzinfo=UTC)


class Refusing:
    def send(self, envelope):
        return SendResult("provider_error", "HTTP 200 isv.MOBILE_NUMBER_ILLEGAL: 号码格式错误")


def _failed_message_to(db, person) -> None:
    deliver(
        db.session,
        [person.id],
        Notice("督办：路灯不亮", Link("orders.detail", {"order_id": 1}), "escalation", True),
    )
    db.session.commit()
    for day in range(POLICY.max_attempts):
        deliver_due(db.session, {"sms": Refusing()}, POLICY, clock=lambda at=NOON + timedelta(days=day): at)


def test_staff_see_failed_messages_to_their_people_with_every_attempt(db, make, signed_in):
    community = make.community()
    resident = make.user("resident", community=community, phone="13900000001")
    _failed_message_to(db, resident)
    page = signed_in(make.user("staff", community=community)).get("/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "督办：路灯不亮" in html and "139****0001" in html and "13900000001" not in html
    detail_url = html.split('href="/outbox/')[1].split('"')[0]
    detail = signed_in(make.user("staff", community=community)).get(f"/outbox/{detail_url}")
    assert detail.get_data(as_text=True).count("isv.MOBILE_NUMBER_ILLEGAL") == POLICY.max_attempts

    other = signed_in(make.user("staff"))
    assert "督办：路灯不亮" not in other.get("/outbox").get_data(as_text=True)
    assert other.get(f"/outbox/{detail_url}").status_code == 404
    assert signed_in(resident).get("/outbox").status_code == 403


def test_everyone_sets_their_notice_preferences_on_the_profile_page(db, make, login):
    person = make.user(phone="13900000001")
    client = login(person)
    page = client.get("/profile").get_data(as_text=True)
    assert "checked" in _checkbox(page, "notify-sms_status") and "checked" not in _checkbox(
        page, "notify-sms_points"
    )
    response = client.post(
        "/profile/notifications",
        data={
            "notify-sms_dispatch": "y",
            "notify-sms_activity": "y",
            "notify-quiet_hours": "y",
            "notify-quiet_start": "21",
            "notify-quiet_end": "8",
            "notify-digest": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(NotificationPreference, person.id)
    assert (saved.quiet_start, saved.quiet_end, saved.digest) == (21, 8, True)
    assert saved.channels["dispatch"] == ["sms"] and saved.channels["activity"] == ["sms"]
    assert saved.channels["status"] == []


def _checkbox(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def test_preferences_with_an_impossible_hour_change_nothing(db, make, login):
    person = make.user()
    response = login(person).post(
        "/profile/notifications", data={"notify-quiet_start": "25", "notify-quiet_end": "7"}
    )
    assert response.status_code == 302
    assert db.session.get(NotificationPreference, person.id) is None


def test_my_notifications_over_the_api_newest_first_and_paginated(db, make, api):
    person = make.user()
    for n in range(3):
        deliver(db.session, [person.id], Notice(f"通知{n}", None, "status"))
    db.session.commit()
    client = api.as_user(person)
    page = client.get("/api/v1/me/notifications?per_page=2").json
    assert (page["total"], page["page"], page["per_page"]) == (3, 1, 2)
    assert [(item["kind"], item["text"], item["read"]) for item in page["items"]] == [
        ("status", "通知2", False),
        ("status", "通知1", False),
    ]
    assert set(page["items"][0]) == {"id", "kind", "text", "read", "created_at"}
