"""Volunteer profiles, service-hours records, star levels, teams and certificates.

Service hours are the volunteer's permanent record: they come from credited
attendance and, unlike points, are never spent or expired.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, Signer
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from engage import crypto
from engage.activities.models import Activity, Enrollment
from engage.auth.models import User
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.errors import Conflict, Invalid, NotFound
from engage.ledger.services import points_balance
from engage.orders.models import ServiceOrder
from engage.persistence import add_unique
from engage.privacy import mask_id_number
from engage.scope import scope_of
from engage.validation import id_number as valid_id_number
from engage.validation import text
from engage.volunteers.models import GROUPS, Certificate, ServiceHours, Team, TeamMember, VolunteerProfile
from points.base import utcnow

CERTIFICATE_SALT = "service-certificate"


class AlreadyMember(Conflict):
    code = "already_member"


@dataclass(frozen=True)
class ServiceLine:
    day: str
    title: str
    minutes: int


@dataclass
class ServiceRecord:
    """Credited service, with totals per calendar year in the configured zone."""

    lines: list[ServiceLine] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def by_year(self) -> list[tuple[str, int]]:
        years: dict[str, int] = {}
        for line in self.lines:
            years[line.day[:4]] = years.get(line.day[:4], 0) + line.minutes
        return sorted(years.items(), reverse=True)


def star_level(minutes: int, thresholds_hours: tuple[int, ...]) -> int:
    """一星 … 五星: how many thresholds the volunteer's hours have reached."""
    return sum(1 for hours in thresholds_hours if minutes >= hours * 60)


def service_record(session: Session, volunteer_id: int, zone: ZoneInfo) -> ServiceRecord:
    """Credited attendance and the hours another system recorded (imported), by day."""
    rows = session.execute(
        select(Activity.starts_at, Activity.title, Enrollment.minutes)
        .join(Enrollment.activity)
        .where(Enrollment.volunteer_id == volunteer_id, Enrollment.minutes > 0)
        .order_by(Activity.starts_at, Activity.id)
    )
    lines = [
        ServiceLine(start.astimezone(zone).date().isoformat(), title, minutes)
        for start, title, minutes in rows
    ]
    lines += [
        ServiceLine(entry.served_on.isoformat(), entry.activity, entry.minutes)
        for entry in session.scalars(
            select(ServiceHours).where(ServiceHours.volunteer_id == volunteer_id).order_by(ServiceHours.id)
        )
    ]
    return ServiceRecord(sorted(lines, key=lambda line: line.day))


def profile_of(session: Session, user_id: int) -> VolunteerProfile:
    """The stored profile, or an unsaved default for a volunteer who never filled it in."""
    return session.get(VolunteerProfile, user_id) or VolunteerProfile(
        user_id=user_id, volunteer_group="resident", availability=""
    )


def update_volunteer_profile(
    session: Session,
    actor: User,
    *,
    volunteer_group: str,
    availability: str,
    skills: str,
    id_number: str = "",
    key: str,
) -> VolunteerProfile:
    """A volunteer's own details; an empty ID number keeps the stored one (``key`` encrypts it)."""
    require_role(actor, "volunteer")
    if volunteer_group not in GROUPS:
        raise Invalid.field("volunteer_group", _("未知的群体类别。"))
    availability, skills = text(availability, "availability", 200, required=False), _tags(skills)
    if len(skills) > 200:
        raise Invalid.field("skills", _("最多200字。"))
    profile = session.get(VolunteerProfile, actor.id) or VolunteerProfile(user_id=actor.id)
    profile.volunteer_group, profile.availability = volunteer_group, availability
    if id_number and id_number.strip():
        number = valid_id_number(id_number, "id_number")
        profile.id_number_cipher = crypto.encrypt(key, number)
        profile.id_number_masked = mask_id_number(number)
    actor.skills = skills
    session.add(profile)
    session.flush()
    return profile


def _tags(text: str) -> str:
    """Skills as comma-separated tags, whatever separators were typed (，、 space)."""
    return ",".join(tag for tag in re.split(r"[,，、;；\s]+", text or "") if tag)


@dataclass(frozen=True)
class VolunteerView:
    user: User
    profile: VolunteerProfile
    teams: list[Team]
    record: ServiceRecord
    star: int
    points: int
    rating: float | None
    rated_orders: int
    to_next_star: int | None  # minutes still to serve for the next star; None at the top


def volunteer_view(
    session: Session, actor: User, volunteer_id: int, *, zone: ZoneInfo, star_hours: tuple[int, ...]
) -> VolunteerView:
    """The profile page: the volunteer themself, or staff of their community."""
    volunteer = session.get(User, volunteer_id)
    if (
        volunteer is None
        or not volunteer.has_role("volunteer")
        or (volunteer.id != actor.id and not scope_of(session, actor).administers(volunteer.community_id))
    ):
        raise NotFound()
    record = service_record(session, volunteer.id, zone)
    rating, rated = session.execute(
        select(func.avg(ServiceOrder.rating), func.count(ServiceOrder.rating)).where(
            ServiceOrder.volunteer_id == volunteer.id
        )
    ).one()
    star = star_level(record.total_minutes, star_hours)
    to_next = star_hours[star] * 60 - record.total_minutes if star < len(star_hours) else None
    return VolunteerView(
        volunteer,
        profile_of(session, volunteer.id),
        my_teams(session, volunteer),
        record,
        star,
        points_balance(session, volunteer),
        float(rating) if rating is not None else None,
        rated,
        to_next,
    )


# Teams ------------------------------------------------------------------------------


def create_team(session: Session, actor: User, *, name: str, description: str = "") -> Team:
    require_role(actor, *STAFF_ROLES)
    name, description = text(name, "name", 40), text(description, "description", 2000, required=False)
    return add_unique(
        session,
        Team(
            community_id=scope_of(session, actor).community_id,
            name=name,
            description=description,
            created_by_id=actor.id,
        ),
        Invalid.field("name", _("本社区已有同名队伍。")),
    )


def community_teams(session: Session, actor: User) -> list[tuple[Team, int]]:
    """The caller's community's teams with their member counts."""
    return list(
        session.execute(
            select(Team, func.count(TeamMember.user_id))
            .outerjoin(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.community_id == scope_of(session, actor).community_id)
            .group_by(Team.id)
            .order_by(Team.name)
        )
    )


def get_team(session: Session, actor: User, team_id: int) -> Team:
    return scope_of(session, actor).own(session, Team, team_id)


def join_team(session: Session, actor: User, team_id: int) -> TeamMember:
    require_role(actor, "volunteer")
    team = get_team(session, actor, team_id)
    return add_unique(
        session, TeamMember(team_id=team.id, user_id=actor.id), AlreadyMember(str(_("您已是该队伍成员。")))
    )


def leave_team(session: Session, actor: User, team_id: int) -> None:
    team = get_team(session, actor, team_id)
    member = session.get(TeamMember, (team.id, actor.id))
    if member is None:
        raise NotFound(str(_("您不是该队伍成员。")))
    session.delete(member)
    session.flush()


def team_members(session: Session, actor: User, team_id: int) -> list[tuple[User, int]]:
    """Members with their service minutes, most hours first."""
    team = get_team(session, actor, team_id)
    members = select(TeamMember.user_id).where(TeamMember.team_id == team.id)
    served = union_all(
        select(Enrollment.volunteer_id, Enrollment.minutes).where(Enrollment.volunteer_id.in_(members)),
        select(ServiceHours.volunteer_id, ServiceHours.minutes).where(ServiceHours.volunteer_id.in_(members)),
    ).subquery()
    minutes = (
        select(served.c.volunteer_id, func.sum(served.c.minutes).label("minutes"))
        .group_by(served.c.volunteer_id)
        .subquery()
    )
    return [
        (user, total or 0)
        for user, total in session.execute(
            select(User, minutes.c.minutes)
            .join(TeamMember, TeamMember.user_id == User.id)
            .outerjoin(minutes, minutes.c.volunteer_id == User.id)
            .where(TeamMember.team_id == team.id)
            .order_by(func.coalesce(minutes.c.minutes, 0).desc(), User.id)
        )
    ]


def my_teams(session: Session, user: User) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
            .order_by(Team.name)
        )
    )


# Certificates -------------------------------------------------------------------------


def issue_certificate(session: Session, actor: User, *, zone: ZoneInfo) -> Certificate:
    """Freeze the volunteer's record as of now into a 志愿服务记录证明."""
    require_role(actor, "volunteer")
    record = service_record(session, actor.id, zone)
    if not record.total_minutes:
        raise Invalid(str(_("暂无服务时长记录，无法开具证明。")))
    community = actor.community
    content = {
        "name": actor.display_name,
        "id_number": profile_of(session, actor.id).id_number_masked,
        "issuer": f"{community.street.name}{community.name}" if community else "",
        "by_year": record.by_year,
        "lines": [[line.day, line.title, line.minutes] for line in record.lines],
    }
    certificate = Certificate(
        serial=secrets.token_hex(8),
        volunteer_id=actor.id,
        minutes=record.total_minutes,
        issued_at=utcnow(),
        content=json.dumps(content, ensure_ascii=False),
    )
    session.add(certificate)
    session.flush()
    return certificate


def certificate_code(certificate: Certificate, secret_key: str) -> str:
    """What the QR code carries: the serial and a signature that makes it unforgeable."""
    return Signer(secret_key, salt=CERTIFICATE_SALT).sign(certificate.serial).decode()


def verify_certificate(session: Session, code: str, secret_key: str) -> Certificate:
    """Anyone with the code may check it; a tampered or unknown code is refused."""
    try:
        serial = Signer(secret_key, salt=CERTIFICATE_SALT).unsign(code).decode()
    except BadSignature:
        raise NotFound(str(_("证明编号无效或已被篡改。"))) from None
    certificate = session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None:
        raise NotFound(str(_("证明编号无效或已被篡改。")))
    return certificate


def get_certificate(session: Session, actor: User, serial: str) -> Certificate:
    certificate = session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None or (
        certificate.volunteer_id != actor.id
        and not scope_of(session, actor).administers(certificate.volunteer.community_id)
    ):
        raise NotFound()
    return certificate


def certificate_content(certificate: Certificate) -> dict:
    return json.loads(certificate.content)
