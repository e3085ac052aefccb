"""On-site attendance by rotating QR code, service hours and points.

The staff page shows a code that expires within a minute; a volunteer scans it to
check in and scans a later one to check out. Codes are signed (forgeries fail),
short-lived (old photos fail), tied to one activity, and the code used to check in
cannot also check out. Hours run from check-in to check-out, clipped to the
activity's window, rounded DOWN to whole quarter hours and capped per activity
(ACTIVITY_MAX_HOURS); points are hours × points per hour, paid from the community
budget exactly once.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import points
from engage.activities.models import Activity, Enrollment
from engage.activities.services import get_activity
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Invalid, InvalidTransition, NotFound
from engage.ledger.services import BudgetExhausted, budget_account, user_account
from points.base import utcnow

TOKEN_SECONDS = 60
SALT = "activity-checkin"
QUARTER = 15


def checkin_code(session: Session, actor: User, activity_id: int, secret_key: str,
                 *, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh code for the staff screen, and when it stops working."""
    require_role(actor, *STAFF_ROLES)
    activity = get_activity(session, actor, activity_id)
    token = URLSafeTimedSerializer(secret_key, salt=SALT).dumps(
        {"a": activity.id, "n": secrets.token_hex(8)})
    return token, (now or utcnow()) + timedelta(seconds=TOKEN_SECONDS)


def _read_code(token: str, activity_id: int, secret_key: str) -> str:
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token or "", max_age=TOKEN_SECONDS)
    except SignatureExpired:
        raise Invalid.field("token", _("签到码已过期，请扫描最新的二维码。")) from None
    except BadSignature:
        raise Invalid.field("token", _("签到码无效。")) from None
    if not isinstance(data, dict) or data.get("a") != activity_id:
        raise Invalid.field("token", _("签到码不属于该活动。"))
    return data["n"]


def _my_enrollment(session: Session, actor: User, activity: Activity) -> Enrollment:
    enrollment = session.scalar(select(Enrollment).where(
        Enrollment.activity_id == activity.id, Enrollment.volunteer_id == actor.id,
        Enrollment.status == "enrolled"))
    if enrollment is None:
        raise NotFound(str(_("您没有报名该活动。")))
    return enrollment


def check_in(session: Session, actor: User, activity_id: int, token: str, secret_key: str,
             *, now: datetime | None = None) -> Enrollment:
    activity = get_activity(session, actor, activity_id)
    nonce = _read_code(token, activity.id, secret_key)
    enrollment = _my_enrollment(session, actor, activity)
    now = now or utcnow()
    if now >= activity.ends_at:
        raise InvalidTransition(str(_("活动已结束。")))
    done = session.execute(update(Enrollment).where(
        Enrollment.id == enrollment.id, Enrollment.checked_in_at.is_(None))
        .values(checked_in_at=now, checkin_nonce=nonce).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise InvalidTransition(str(_("您已签到。")))
    session.refresh(enrollment)
    return enrollment


def credited_minutes(activity: Activity, checked_in: datetime, checked_out: datetime,
                     max_hours: int) -> int:
    """The documented rule: clip to the window, whole quarter hours down, cap."""
    start, end = max(checked_in, activity.starts_at), min(checked_out, activity.ends_at)
    minutes = max(0, int((end - start).total_seconds() // 60))
    return min(minutes - minutes % QUARTER, max_hours * 60)


def check_out(session: Session, actor: User, activity_id: int, token: str, secret_key: str,
              *, max_hours: int, now: datetime | None = None) -> Enrollment:
    activity = get_activity(session, actor, activity_id)
    nonce = _read_code(token, activity.id, secret_key)
    enrollment = _my_enrollment(session, actor, activity)
    if enrollment.checked_in_at is None:
        raise InvalidTransition(str(_("请先签到。")))
    if nonce == enrollment.checkin_nonce:
        raise Invalid.field("token", _("签退需要扫描新的二维码。"))
    return _close_attendance(session, enrollment, now or utcnow(), max_hours, actor_id=actor.id)


def _close_attendance(session: Session, enrollment: Enrollment, moment: datetime, max_hours: int,
                      *, actor_id: int | None, flagged: bool = False) -> Enrollment:
    """Record the hours and pay the points, once: a second checkout finds it done."""
    activity = enrollment.activity
    minutes = credited_minutes(activity, enrollment.checked_in_at, moment, max_hours)
    earned = minutes * activity.points_per_hour // 60
    done = session.execute(update(Enrollment).where(
        Enrollment.id == enrollment.id, Enrollment.checked_out_at.is_(None))
        .values(checked_out_at=moment, minutes=minutes, points_awarded=earned, flagged=flagged)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise InvalidTransition(str(_("您已签退。")))
    if earned:
        try:
            points.transfer(session, budget_account(activity.community_id),
                            user_account(enrollment.volunteer_id), earned, kind="activity_reward",
                            memo=f"志愿活动 {activity.title}"[:200], reference=f"activity:{activity.id}",
                            actor_id=actor_id, idempotency_key=f"activity-checkout:{enrollment.id}")
        except points.InsufficientPoints:
            raise BudgetExhausted(str(_("社区积分预算不足，请联系社区工作者。"))) from None
    session.refresh(enrollment)
    return enrollment


def close_forgotten(session: Session, *, now: datetime, max_hours: int) -> int:
    """``tick``: whoever never checked out is checked out at the end, and flagged for staff."""
    forgotten = session.scalars(select(Enrollment).join(Activity).where(
        Enrollment.checked_in_at.is_not(None), Enrollment.checked_out_at.is_(None),
        Activity.ends_at <= now)).all()
    for enrollment in forgotten:
        _close_attendance(session, enrollment, enrollment.activity.ends_at, max_hours,
                          actor_id=None, flagged=True)
    return len(forgotten)


def service_minutes(session: Session, user: User) -> int:
    """All credited service time of a volunteer (a permanent record, unlike points)."""
    return session.scalar(select(func.coalesce(func.sum(Enrollment.minutes), 0))
                          .where(Enrollment.volunteer_id == user.id))
