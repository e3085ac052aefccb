"""Who gets what: channels per kind (defaults and choices), urgent notices by SMS whatever
was chosen and whatever the hour, quiet hours and the digest on a fixed clock, merging of
notices about one request within a minute, and never the same notice twice on a channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from engage.notifications.services import Link, Notice, deliver
from engage.outbox.models import OutboxMessage
from engage.outbox.preferences import link_wechat, update_preferences
from engage.outbox.services import MERGE_WINDOW, deliver_notice
from tests.outbox.conftest import lines

# Fixed local times (Asia/Shanghai, UTC+8), all later than any message the test queues.
NIGHT = datetime(2030, 1, 1, 15, 30, tzinfo=UTC)  # 23:30
MORNING = datetime(2030, 1, 1, 23, 0, tzinfo=UTC)  # 07:00 the next day
EIGHT = datetime(2030, 1, 2, 0, 0, tzinfo=UTC)  # 08:00, the digest's hour
NOON = datetime(2030, 1, 2, 4, 0, tzinfo=UTC)
ORDER = Link("orders.detail", {"order_id": 7})
PHONE = "13900000001"


def messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def tell(db, user, text, *, kind="status", urgent=False, link=ORDER):
    deliver(db.session, [user.id], Notice(text, link, kind, urgent))
    db.session.commit()


def choose(db, user, channels=None, *, quiet=True, start=22, end=7, digest=False):
    update_preferences(
        db.session,
        user,
        channels=channels or {},
        quiet_hours=quiet,
        quiet_start=start,
        quiet_end=end,
        digest=digest,
    )
    db.session.commit()


def test_by_default_work_and_request_news_go_by_sms_the_rest_in_app_only(db, make):
    person = make.user(phone=PHONE)
    no_phone = make.user()
    tell(db, person, "您的诉求已签收", kind="status")
    tell(db, person, "您获得 30 积分", kind="points", link=None)
    tell(db, no_phone, "您的诉求已签收", kind="status")
    assert [(m.channel, m.address, m.kind, m.text) for m in messages(db)] == [
        ("sms", PHONE, "status", "您的诉求已签收")
    ]


def test_a_person_chooses_channels_per_kind_and_urgent_notices_go_by_sms_regardless(db, make):
    person = make.user("grid_worker", phone=PHONE)
    link_wechat(db.session, person.id, "openid-1")
    choose(db, person, {"status": [], "points": ["wechat"], "duty_event": []})
    tell(db, person, "您的诉求已签收", kind="status")
    tell(db, person, "您获得 30 积分", kind="points", link=None)
    tell(db, person, "必到事件：楼道起火", kind="duty_event", urgent=True)
    assert [(m.channel, m.address, m.kind, m.urgent) for m in messages(db)] == [
        ("wechat", "openid-1", "points", False),
        ("sms", PHONE, "duty_event", True),
    ]


def test_quiet_hours_hold_non_urgent_sms_until_morning_but_not_urgent_ones(db, make, deliver, sms_file):
    person = make.user(phone=PHONE)
    tell(db, person, "您的诉求已办理", link=None)
    tell(db, person, "督办：路灯不亮", kind="escalation", urgent=True, link=None)
    assert deliver(NIGHT) == {"messages held (quiet hours, digest)": 1, "messages sent": 1}
    assert [line["text"] for line in lines(sms_file)] == ["督办：路灯不亮"]
    waiting = messages(db)[0]
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("pending", 0, MORNING)
    assert deliver(MORNING - timedelta(minutes=1)) == {}
    assert deliver(MORNING) == {"messages sent": 1}
    assert [line["text"] for line in lines(sms_file)] == ["督办：路灯不亮", "您的诉求已办理"]


def test_a_person_may_turn_quiet_hours_off_or_move_them(db, make, deliver, sms_file):
    night_owl, early = make.user(phone=PHONE), make.user(phone="13900000002")
    choose(db, night_owl, quiet=False)
    choose(db, early, start=20, end=23)
    tell(db, night_owl, "夜里也发", link=None)
    tell(db, early, "八点后不发", link=None)
    assert deliver(NIGHT) == {"messages sent": 2}  # 23:30 is past the early one's quiet hours
    assert {line["to"] for line in lines(sms_file)} == {PHONE, "13900000002"}
    later = make.user(phone="13900000003")
    choose(db, later, start=20, end=23)
    tell(db, later, "二十一点半", link=None)
    assert deliver(NIGHT - timedelta(hours=2)) == {"messages held (quiet hours, digest)": 1}


def test_the_digest_gathers_a_days_non_urgent_notices_into_one_sms_at_its_hour(db, make, deliver, sms_file):
    person = make.user(phone=PHONE)
    choose(db, person, digest=True)
    tell(db, person, "订单已派单")
    tell(db, person, "活动有变更", link=Link("activities.detail", {"activity_id": 3}))
    tell(db, person, "必到事件：楼道起火", kind="duty_event", urgent=True)
    digest, urgent = messages(db)
    assert (digest.kind, digest.text) == ("digest", "订单已派单；活动有变更")
    queued_at = NOON - timedelta(days=1, hours=1)  # 11:00 the day before the digest goes
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == digest.id).values(created_at=queued_at)
    )
    db.session.commit()
    assert deliver(NOON - timedelta(days=1)) == {"messages held (quiet hours, digest)": 1, "messages sent": 1}
    tell(db, person, "您的诉求已办理")  # joins the held digest
    assert deliver(EIGHT - timedelta(minutes=1)) == {}
    assert deliver(EIGHT) == {"messages sent": 1}
    assert [line["text"] for line in lines(sms_file)] == [
        urgent.text,
        "订单已派单；活动有变更；您的诉求已办理",
    ]


def test_notices_about_one_request_within_a_minute_are_merged(db, make):
    person = make.user(phone=PHONE)
    tell(db, person, "您的诉求已分拨至城管")
    tell(db, person, "您的诉求已签收")
    tell(db, person, "活动有变更", link=Link("activities.detail", {"activity_id": 3}))
    first, other = messages(db)
    assert first.text == "您的诉求已分拨至城管；您的诉求已签收" and other.text == "活动有变更"
    waits = first.next_attempt_at - first.created_at  # for what else comes about the request
    assert MERGE_WINDOW - timedelta(seconds=1) < waits <= MERGE_WINDOW
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == first.id)
        .values(created_at=first.created_at - MERGE_WINDOW)
    )
    db.session.commit()
    tell(db, person, "您的诉求已办理")
    assert [m.text for m in messages(db)][2:] == ["您的诉求已办理"]


def test_a_message_already_tried_takes_no_more_notices(db, make, deliver):
    person = make.user(phone=PHONE)
    tell(db, person, "您的诉求已签收")
    deliver(NOON)
    tell(db, person, "您的诉求已办理")
    assert [(m.text, m.status) for m in messages(db)] == [
        ("您的诉求已签收", "sent"),
        ("您的诉求已办理", "pending"),
    ]


def test_the_same_notice_never_goes_twice_on_one_channel(db, make, deliver):
    person = make.user(phone=PHONE)
    tell(db, person, "您的诉求已分拨至城管")
    tell(db, person, "您的诉求已签收")
    tell(db, person, "您的诉求已签收")  # merged before: not merged again
    deliver(NOON)
    tell(db, person, "您的诉求已分拨至城管")  # sent before: not queued again
    tell(db, person, "必到事件：楼道起火", kind="duty_event", urgent=True)
    tell(db, person, "必到事件：楼道起火", kind="duty_event", urgent=True)
    assert [m.text for m in messages(db)] == ["您的诉求已分拨至城管；您的诉求已签收", "必到事件：楼道起火"]


def test_each_person_hears_a_notice_once_even_when_named_twice(db, make):
    person = make.user(phone=PHONE)
    assert deliver_notice(db.session, [person.id, person.id], kind="status", text="一次") == 1
