"""Posting activities and enrolling in them.

Capacity is enforced by one conditional UPDATE of the seat count, double
enrolment by the unique (activity, volunteer) constraint: no check-then-insert, so
twenty volunteers enrolling at once into five seats get exactly five seats.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, contains_eager, selectinload

from engage.activities.models import KINDS, MAX_CAPACITY, Activity, Enrollment
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from engage.notifications.services import Link, Notice, deliver, send
from engage.persistence import add_unique
from engage.scope import scope_of
from engage.validation import text, whole
from engage.volunteers.models import Team, TeamMember
from points.base import utcnow


class ActivityFull(Conflict):
    code = "activity_full"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


MAX_REPEAT_WEEKS = 26


def _checked(
    session: Session,
    actor: User,
    *,
    title,
    kind,
    starts_at,
    ends_at,
    capacity,
    points_per_hour,
    location,
    description="",
    skills="",
    team_id=None,
) -> dict:
    """The validated fields of an activity; the first bad one raises ``Invalid``."""
    if kind not in KINDS:
        raise Invalid.field("kind", _("未知的活动类型。"))
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime) or ends_at <= starts_at:
        raise Invalid.field("ends_at", _("结束时间必须晚于开始时间。"))
    if team_id is not None:
        team = session.get(Team, whole(team_id, "team_id", 1, 2**31 - 1))
        if team is None or team.community_id != scope_of(session, actor).community_id:
            raise Invalid.field("team_id", _("未知的志愿队伍。"))
    return dict(
        kind=kind,
        title=text(title, "title", 100),
        location=text(location, "location", 200),
        description=text(description, "description", 2000, required=False),
        skills=text(skills, "skills", 200, required=False),
        team_id=team_id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=whole(capacity, "capacity", 1, MAX_CAPACITY),
        points_per_hour=whole(points_per_hour, "points_per_hour", 0, 1000),
    )


def create_activity(
    session: Session, actor: User, *, waitlist: bool = True, repeat_weeks: int = 0, **fields
) -> Activity:
    """Staff post an activity; ``repeat_weeks`` adds that many weekly occurrences
    (a patrol shift), each with its own roster, linked by ``series_id``."""
    require_role(actor, *STAFF_ROLES)
    values = _checked(session, actor, **fields)
    repeat_weeks = whole(repeat_weeks, "repeat_weeks", 0, MAX_REPEAT_WEEKS)
    occurrences = [
        Activity(
            community_id=scope_of(session, actor).community_id,
            created_by_id=actor.id,
            waitlist=bool(waitlist),
            **{
                **values,
                "starts_at": values["starts_at"] + timedelta(weeks=week),
                "ends_at": values["ends_at"] + timedelta(weeks=week),
            },
        )
        for week in range(repeat_weeks + 1)
    ]
    session.add_all(occurrences)
    session.flush()
    if repeat_weeks:
        for occurrence in occurrences:
            occurrence.series_id = occurrences[0].id
        session.flush()
    return occurrences[0]


def update_activity(session: Session, actor: User, activity_id: int, **fields) -> Activity:
    """Change an activity that has not started; the enrolled hear about it.

    Capacity may not fall below the seats already taken (one conditional UPDATE, so a
    volunteer enrolling meanwhile cannot be squeezed out); extra seats go to the
    waiting list first.
    """
    require_role(actor, *STAFF_ROLES)
    activity = _open_for_change(session, actor, activity_id)
    values = _checked(session, actor, **fields)
    resized = session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.enrolled <= values["capacity"])
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if resized.rowcount != 1:
        raise Invalid.field("capacity", _("名额不能少于已报名人数（%(n)d）。", n=activity.enrolled))
    session.refresh(activity)
    while activity.enrolled < activity.capacity and _promote(session, activity.id):
        session.refresh(activity)
    notify_volunteers(
        session, activity, _("活动「%(title)s」有变更，请查看最新时间和地点。", title=activity.title)
    )
    return activity


def cancel_activity(session: Session, actor: User, activity_id: int, reason: str) -> Activity:
    """Staff cancel before the start; everyone enrolled or waiting is told why."""
    require_role(actor, *STAFF_ROLES)
    reason = text(reason, "reason", 500)
    activity = _open_for_change(session, actor, activity_id)
    done = session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.cancelled.is_(False))
        .values(cancelled=True, cancel_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvalidTransition(str(_("活动已取消。")))
    session.refresh(activity)
    notify_volunteers(
        session, activity, _("活动「%(title)s」已取消：%(reason)s", title=activity.title, reason=reason)
    )
    return activity


def is_open(activity: Activity, now: datetime | None = None) -> bool:
    """Before the start and not cancelled: volunteers may still enrol (the detail page offers it)."""
    return not activity.cancelled and activity.starts_at > (now or utcnow())


def _open_for_change(session: Session, actor: User, activity_id: int) -> Activity:
    activity = get_activity(session, actor, activity_id)
    if activity.cancelled:
        raise InvalidTransition(str(_("活动已取消。")))
    if activity.starts_at <= utcnow():
        raise InvalidTransition(str(_("活动已开始，不能修改或取消。")))
    return activity


def notify_volunteers(session: Session, activity: Activity, message) -> None:
    """Tell everyone holding a seat or waiting for one."""
    volunteers = session.scalars(
        select(Enrollment.volunteer_id).where(
            Enrollment.activity_id == activity.id, Enrollment.status.in_(("enrolled", "waitlisted"))
        )
    )
    deliver(
        session,
        volunteers,
        Notice(str(message), Link("activities.detail", {"activity_id": activity.id}), kind="activity"),
    )


def upcoming(session: Session, actor: User, *, now: datetime | None = None):
    """The select of the caller's community's activities that have not ended."""
    return (
        select(Activity)
        .where(
            Activity.community_id == scope_of(session, actor).community_id,
            Activity.ends_at > (now or utcnow()),
            Activity.cancelled.is_(False),
        )
        .options(selectinload(Activity.team))
        .order_by(Activity.starts_at, Activity.id)
    )


def get_activity(session: Session, actor: User, activity_id: int) -> Activity:
    return scope_of(session, actor).own(session, Activity, activity_id)


def enroll(session: Session, actor: User, activity_id: int) -> Enrollment:
    """A seat if one is free, else the waiting list (or ``activity_full``)."""
    require_role(actor, "volunteer")
    activity = get_activity(session, actor, activity_id)
    if not is_open(activity):
        raise InvalidTransition(str(_("活动已开始或已取消，不能报名。")))
    if activity.team_id is not None and session.get(TeamMember, (activity.team_id, actor.id)) is None:
        raise Forbidden(str(_("该活动仅限「%(team)s」成员报名。", team=activity.team.name)))
    enrollment = add_unique(
        session,
        Enrollment(activity_id=activity.id, volunteer_id=actor.id, status="waitlisted"),
        AlreadyEnrolled(str(_("您已报名该活动。"))),
    )
    if _take_seat(session, activity.id):
        enrollment.status = "enrolled"
    elif not activity.waitlist:
        raise ActivityFull(str(_("活动名额已满。")))
    session.flush()
    return enrollment


def _take_seat(session: Session, activity_id: int) -> bool:
    return (
        session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.enrolled < Activity.capacity)
            .values(enrolled=Activity.enrolled + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def withdraw(session: Session, actor: User, activity_id: int) -> Enrollment:
    """Before the start only; the longest-waiting volunteer takes the freed seat."""
    activity = get_activity(session, actor, activity_id)
    if activity.starts_at <= utcnow():
        raise InvalidTransition(str(_("活动已开始，不能退出。")))
    had_seat = _leave(session, activity.id, actor.id, "enrolled")
    if not had_seat and not _leave(session, activity.id, actor.id, "waitlisted"):
        raise NotFound()
    if had_seat:
        session.execute(
            update(Activity)
            .where(Activity.id == activity.id)
            .values(enrolled=Activity.enrolled - 1)
            .execution_options(synchronize_session=False)
        )
        _promote(session, activity.id)
    return session.scalar(
        select(Enrollment)
        .where(Enrollment.activity_id == activity.id, Enrollment.volunteer_id == actor.id)
        .execution_options(populate_existing=True)
    )


def _leave(session: Session, activity_id: int, volunteer_id: int, status: str) -> bool:
    """One conditional UPDATE: of several withdrawals at once only one finds the row still
    in ``status``, so only one frees the seat (and promotes someone into it)."""
    return (
        session.execute(
            update(Enrollment)
            .where(
                Enrollment.activity_id == activity_id,
                Enrollment.volunteer_id == volunteer_id,
                Enrollment.status == status,
            )
            .values(status="withdrawn")
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _promote(session: Session, activity_id: int) -> bool:
    """Give a free seat to the first on the waiting list who still wants it."""
    waiting = session.scalars(
        select(Enrollment.id)
        .where(Enrollment.activity_id == activity_id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.created_at, Enrollment.id)
    ).all()
    for enrollment_id in waiting:
        if not _take_seat(session, activity_id):
            return False
        promoted = session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id, Enrollment.status == "waitlisted")
            .values(status="enrolled")
            .execution_options(synchronize_session=False)
        ).rowcount
        if promoted:
            send(
                session,
                session.get(Enrollment, enrollment_id).volunteer_id,
                _("候补成功：您已获得活动名额。"),
                Link("activities.detail", {"activity_id": activity_id}),
                kind="activity",
            )
            return True
        session.execute(
            update(Activity)
            .where(Activity.id == activity_id)
            .values(enrolled=Activity.enrolled - 1)
            .execution_options(synchronize_session=False)
        )
    return False


def my_enrollment(session: Session, actor: User, activity_id: int) -> Enrollment | None:
    """The caller's place in an activity, if any (withdrawn counts as none)."""
    return my_enrollments(session, actor, [activity_id]).get(activity_id)


def my_enrollments(session: Session, actor: User, activity_ids: list[int]) -> dict[int, Enrollment]:
    """The caller's places in a page of activities, in one query."""
    return {
        e.activity_id: e
        for e in session.scalars(
            select(Enrollment).where(
                Enrollment.activity_id.in_(activity_ids),
                Enrollment.volunteer_id == actor.id,
                Enrollment.status != "withdrawn",
            )
        )
    }


def my_activities(session: Session, actor: User):
    """The select of the caller's enrolments, newest activity first."""
    return (
        select(Enrollment)
        .join(Activity)
        .options(contains_eager(Enrollment.activity))
        .where(Enrollment.volunteer_id == actor.id, Enrollment.status != "withdrawn")
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
    )


def roster(session: Session, actor: User, activity_id: int) -> tuple[Activity, list[Enrollment]]:
    """Staff's list of who holds a seat, who waits and who left, in that order."""
    require_role(actor, *STAFF_ROLES)
    activity = get_activity(session, actor, activity_id)
    order = {"enrolled": 0, "waitlisted": 1, "withdrawn": 2}
    rows = session.scalars(
        select(Enrollment)
        .where(Enrollment.activity_id == activity.id)
        .options(selectinload(Enrollment.volunteer))
        .order_by(Enrollment.created_at, Enrollment.id)
    ).all()
    return activity, sorted(rows, key=lambda row: order[row.status])
