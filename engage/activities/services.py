"""Posting activities and enrolling in them.

Capacity is enforced by one conditional UPDATE of the seat count, double
enrolment by the unique (activity, volunteer) constraint: no check-then-insert, so
twenty volunteers enrolling at once into five seats get exactly five seats.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.activities.models import KINDS, MAX_CAPACITY, Activity, Enrollment
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Invalid, InvalidTransition, NotFound
from points.base import utcnow


class ActivityFull(Conflict):
    code = "activity_full"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


def _text(value, field: str, limit: int, *, required: bool = True) -> str:
    value = (str(value) if value is not None else "").strip()
    if (required and not value) or len(value) > limit:
        raise Invalid.field(field, _("请填写此项（最多%(n)d字）。", n=limit))
    return value


def _whole(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid.field(field, _("必须是 %(low)d 到 %(high)d 之间的整数。", low=low, high=high))
    return value


def create_activity(session: Session, actor: User, *, title: str, kind: str, starts_at: datetime,
                    ends_at: datetime, capacity: int, points_per_hour: int, location: str,
                    description: str = "", waitlist: bool = True) -> Activity:
    """Staff post an activity for their community."""
    require_role(actor, *STAFF_ROLES)
    if kind not in KINDS:
        raise Invalid.field("kind", _("未知的活动类型。"))
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime) or ends_at <= starts_at:
        raise Invalid.field("ends_at", _("结束时间必须晚于开始时间。"))
    activity = Activity(
        community_id=actor.community_id, kind=kind, title=_text(title, "title", 100),
        location=_text(location, "location", 200), description=_text(description, "description", 2000,
                                                                     required=False),
        starts_at=starts_at, ends_at=ends_at, capacity=_whole(capacity, "capacity", 1, MAX_CAPACITY),
        points_per_hour=_whole(points_per_hour, "points_per_hour", 0, 1000), waitlist=bool(waitlist),
        created_by_id=actor.id)
    session.add(activity)
    session.flush()
    return activity


def upcoming(session: Session, actor: User, *, now: datetime | None = None):
    """The select of the caller's community's activities that have not ended."""
    return (select(Activity).where(Activity.community_id == actor.community_id,
                                   Activity.ends_at > (now or utcnow()), Activity.cancelled.is_(False))
            .order_by(Activity.starts_at, Activity.id))


def get_activity(session: Session, actor: User, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or activity.community_id != actor.community_id:
        raise NotFound()
    return activity


def enroll(session: Session, actor: User, activity_id: int) -> Enrollment:
    """A seat if one is free, else the waiting list (or ``activity_full``)."""
    require_role(actor, "volunteer")
    activity = get_activity(session, actor, activity_id)
    if activity.cancelled or activity.starts_at <= utcnow():
        raise InvalidTransition(str(_("活动已开始或已取消，不能报名。")))
    enrollment = Enrollment(activity_id=activity.id, volunteer_id=actor.id, status="waitlisted")
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:
        raise AlreadyEnrolled(str(_("您已报名该活动。"))) from None
    if _take_seat(session, activity.id):
        enrollment.status = "enrolled"
    elif not activity.waitlist:
        raise ActivityFull(str(_("活动名额已满。")))
    session.flush()
    return enrollment


def _take_seat(session: Session, activity_id: int) -> bool:
    return session.execute(update(Activity).where(
        Activity.id == activity_id, Activity.enrolled < Activity.capacity)
        .values(enrolled=Activity.enrolled + 1).execution_options(synchronize_session=False)).rowcount == 1


def withdraw(session: Session, actor: User, activity_id: int) -> Enrollment:
    """Before the start only; the longest-waiting volunteer takes the freed seat."""
    activity = get_activity(session, actor, activity_id)
    if activity.starts_at <= utcnow():
        raise InvalidTransition(str(_("活动已开始，不能退出。")))
    enrollment = session.scalar(select(Enrollment).where(
        Enrollment.activity_id == activity.id, Enrollment.volunteer_id == actor.id,
        Enrollment.status.in_(("enrolled", "waitlisted"))))
    if enrollment is None:
        raise NotFound()
    had_seat = enrollment.status == "enrolled"
    enrollment.status = "withdrawn"
    session.flush()
    if had_seat:
        session.execute(update(Activity).where(Activity.id == activity.id)
                        .values(enrolled=Activity.enrolled - 1).execution_options(synchronize_session=False))
        _promote(session, activity.id)
    return enrollment


def _promote(session: Session, activity_id: int) -> None:
    """Give the freed seat to the first on the waiting list who still wants it."""
    waiting = session.scalars(select(Enrollment.id).where(
        Enrollment.activity_id == activity_id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.created_at, Enrollment.id)).all()
    for enrollment_id in waiting:
        if not _take_seat(session, activity_id):
            return
        promoted = session.execute(update(Enrollment).where(
            Enrollment.id == enrollment_id, Enrollment.status == "waitlisted")
            .values(status="enrolled").execution_options(synchronize_session=False)).rowcount
        if promoted:
            return
        session.execute(update(Activity).where(Activity.id == activity_id)
                        .values(enrolled=Activity.enrolled - 1).execution_options(synchronize_session=False))
