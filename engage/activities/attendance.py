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
from sqlalchemy.orm import Session, selectinload

import points
from engage.activities.models import Activity, AttendanceCorrection, Enrollment
from engage.activities.services import get_activity
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Invalid, InvalidTransition, NotFound
from engage.ledger.services import BudgetExhausted, budget_account, user_account
from engage.scope import scope_of
from engage.validation import text
from points.base import utcnow

TOKEN_SECONDS = 60
SALT = "activity-checkin"
QUARTER = 15


def checkin_code(
    session: Session, actor: User, activity_id: int, secret_key: str, *, now: datetime | None = None
) -> tuple[str, datetime]:
    """A fresh code for the staff screen, and when it stops working."""
    require_role(actor, *STAFF_ROLES)
    activity = get_activity(session, actor, activity_id)
    token = URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"a": activity.id, "n": secrets.token_hex(8)})
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
    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.activity_id == activity.id,
            Enrollment.volunteer_id == actor.id,
            Enrollment.status == "enrolled",
        )
    )
    if enrollment is None:
        raise NotFound(str(_("您没有报名该活动。")))
    return enrollment


def _scanned(
    session: Session, actor: User, activity_id: int, token: str, secret_key: str
) -> tuple[Activity, Enrollment, str]:
    """A scan's activity, the scanner's enrolment in it and the code's nonce. The enrolment
    is checked first: someone not enrolled learns that, whatever code they scanned."""
    activity = get_activity(session, actor, activity_id)
    enrollment = _my_enrollment(session, actor, activity)
    return activity, enrollment, _read_code(token, activity.id, secret_key)


def check_in(
    session: Session,
    actor: User,
    activity_id: int,
    token: str,
    secret_key: str,
    *,
    now: datetime | None = None,
) -> Enrollment:
    return _check_in(session, *_scanned(session, actor, activity_id, token, secret_key), now or utcnow())


def _check_in(
    session: Session, activity: Activity, enrollment: Enrollment, nonce: str, now: datetime
) -> Enrollment:
    if now >= activity.ends_at:
        raise InvalidTransition(str(_("活动已结束。")))
    done = session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.checked_in_at.is_(None))
        .values(checked_in_at=now, checkin_nonce=nonce)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvalidTransition(str(_("您已签到。")))
    session.refresh(enrollment)
    return enrollment


def credited_minutes(activity: Activity, checked_in: datetime, checked_out: datetime, max_hours: int) -> int:
    """The documented rule: clip to the window, whole quarter hours down, cap."""
    start, end = max(checked_in, activity.starts_at), min(checked_out, activity.ends_at)
    minutes = max(0, int((end - start).total_seconds() // 60))
    return min(minutes - minutes % QUARTER, max_hours * 60)


def check_out(
    session: Session,
    actor: User,
    activity_id: int,
    token: str,
    secret_key: str,
    *,
    max_hours: int,
    now: datetime | None = None,
) -> Enrollment:
    _activity, enrollment, nonce = _scanned(session, actor, activity_id, token, secret_key)
    return _check_out(session, actor, enrollment, nonce, now or utcnow(), max_hours)


def _check_out(
    session: Session, actor: User, enrollment: Enrollment, nonce: str, now: datetime, max_hours: int
) -> Enrollment:
    if enrollment.checked_in_at is None:
        raise InvalidTransition(str(_("请先签到。")))
    if nonce == enrollment.checkin_nonce:
        raise Invalid.field("token", _("签退需要扫描新的二维码。"))
    return _close_attendance(session, enrollment, now, max_hours, actor_id=actor.id)


def attend(
    session: Session,
    actor: User,
    activity_id: int,
    token: str,
    secret_key: str,
    *,
    max_hours: int,
    now: datetime | None = None,
) -> Enrollment:
    """What one scan means: the first checks in, a later one (with a newer code) checks out."""
    activity, enrollment, nonce = _scanned(session, actor, activity_id, token, secret_key)
    if enrollment.checked_in_at is None:
        return _check_in(session, activity, enrollment, nonce, now or utcnow())
    return _check_out(session, actor, enrollment, nonce, now or utcnow(), max_hours)


def _close_attendance(
    session: Session,
    enrollment: Enrollment,
    moment: datetime,
    max_hours: int,
    *,
    actor_id: int | None,
    flagged: bool = False,
) -> Enrollment:
    """Record the hours and pay the points, once: a second checkout finds it done."""
    activity = enrollment.activity
    minutes = credited_minutes(activity, enrollment.checked_in_at, moment, max_hours)
    earned = minutes * activity.points_per_hour // 60
    done = session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.checked_out_at.is_(None))
        .values(checked_out_at=moment, minutes=minutes, points_awarded=earned, flagged=flagged)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvalidTransition(str(_("您已签退。")))
    _pay(session, enrollment, earned, actor_id=actor_id, key=f"activity-checkout:{enrollment.id}")
    session.refresh(enrollment)
    return enrollment


def _pay(session: Session, enrollment: Enrollment, amount: int, *, actor_id: int | None, key: str) -> None:
    """Points for service from the community budget; a negative amount takes back an overpayment."""
    if not amount:
        return
    activity = enrollment.activity
    budget, volunteer = budget_account(activity.community_id), user_account(enrollment.volunteer_id)
    source, target = (budget, volunteer) if amount > 0 else (volunteer, budget)
    try:
        points.transfer(
            session,
            source,
            target,
            abs(amount),
            kind="activity_reward",
            memo=f"志愿活动 {activity.title}"[:200],
            reference=f"activity:{activity.id}",
            actor_id=actor_id,
            idempotency_key=key,
        )
    except points.InsufficientPoints:
        if amount > 0:
            raise BudgetExhausted(str(_("社区积分预算不足，请联系社区工作者。"))) from None
        raise Conflict(str(_("志愿者积分余额不足，无法扣回多发的积分。"))) from None


def correct_attendance(
    session: Session,
    actor: User,
    enrollment_id: int,
    *,
    checked_in_at: datetime,
    checked_out_at: datetime,
    reason: str,
    max_hours: int,
) -> AttendanceCorrection:
    """Staff set someone's times (forgotten scan, flagged check-out); the points follow.

    The update is conditional on the record the staff member saw, so two people
    correcting at once cannot both pay; the correction and its reason are kept.
    """
    require_role(actor, *STAFF_ROLES)
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.activity.community_id != scope_of(session, actor).community_id:
        raise NotFound()
    if enrollment.status != "enrolled":
        raise InvalidTransition(str(_("只能更正已获得名额的志愿者的考勤。")))
    reason = text(reason, "reason", 500)
    if checked_out_at <= checked_in_at:
        raise Invalid.field("checked_out_at", _("签退时间必须晚于签到时间。"))
    if checked_out_at > utcnow():
        raise Invalid.field("checked_out_at", _("签退时间不能晚于现在。"))
    activity = enrollment.activity
    minutes = credited_minutes(activity, checked_in_at, checked_out_at, max_hours)
    earned = minutes * activity.points_per_hour // 60
    before_minutes, before_points = enrollment.minutes, enrollment.points_awarded
    done = session.execute(
        update(Enrollment)
        .where(
            Enrollment.id == enrollment.id,
            Enrollment.minutes.is_not_distinct_from(before_minutes),
            Enrollment.points_awarded.is_not_distinct_from(before_points),
        )
        .values(
            checked_in_at=checked_in_at,
            checked_out_at=checked_out_at,
            minutes=minutes,
            points_awarded=earned,
            flagged=False,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(str(_("考勤记录已被他人修改，请刷新后重试。")))
    correction = AttendanceCorrection(
        enrollment_id=enrollment.id,
        actor_id=actor.id,
        reason=reason,
        minutes_before=before_minutes,
        minutes_after=minutes,
        points_delta=earned - (before_points or 0),
    )
    session.add(correction)
    session.flush()
    _pay(
        session,
        enrollment,
        correction.points_delta,
        actor_id=actor.id,
        key=f"activity-correction:{correction.id}",
    )
    session.refresh(enrollment)
    return correction


def corrections(session: Session, actor: User, activity_id: int) -> list[AttendanceCorrection]:
    require_role(actor, *STAFF_ROLES)
    activity = get_activity(session, actor, activity_id)
    return list(
        session.scalars(
            select(AttendanceCorrection)
            .join(Enrollment)
            .where(Enrollment.activity_id == activity.id)
            .options(selectinload(AttendanceCorrection.actor))
            .order_by(AttendanceCorrection.id)
        )
    )


def close_forgotten(session: Session, community_id: int, *, now: datetime, max_hours: int) -> int:
    """``tick``: whoever never checked out is checked out at the end, and flagged for staff.

    One community at a time: the points come from its budget, and one community's empty
    budget must not hold up the others' check-outs."""
    forgotten = session.scalars(
        select(Enrollment)
        .join(Activity)
        .where(
            Activity.community_id == community_id,
            Enrollment.checked_in_at.is_not(None),
            Enrollment.checked_out_at.is_(None),
            Activity.ends_at <= now,
        )
    ).all()
    for enrollment in forgotten:
        _close_attendance(
            session, enrollment, enrollment.activity.ends_at, max_hours, actor_id=None, flagged=True
        )
    return len(forgotten)


def service_minutes(session: Session, user: User) -> int:
    """All credited service time of a volunteer (a permanent record, unlike points)."""
    return session.scalar(
        select(func.coalesce(func.sum(Enrollment.minutes), 0)).where(Enrollment.volunteer_id == user.id)
    )
