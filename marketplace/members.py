"""How a kiosk knows who stands in front of it: a member code from the phone, or a
member number and PIN typed on the keypad.

Member codes are signed (forgeries fail), live at most 120 seconds (a photo of
someone's phone is soon useless) and work once (their nonce is kept). PINs lock
for a while after repeated failures.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.passwords import hash_password, verify_password
from engage.auth.permissions import require_role
from engage.errors import Invalid, RateLimited, Unauthenticated
from engage.persistence import add_unique
from marketplace.models import MemberCard, UsedMemberCode
from points.base import utcnow

SALT = "member-code"
CODE_SECONDS = 120
PIN_ATTEMPTS = 5
PIN_LOCK = timedelta(minutes=15)
MEMBER_ROLES = ("resident", "volunteer")


class MemberCodeRefused(Unauthenticated):
    code = "invalid_member_code"


def member_code(member: User, secret_key: str, *, now: datetime | None = None) -> tuple[str, datetime]:
    """What the phone shows as a QR code, and when it stops working."""
    require_role(member, *MEMBER_ROLES)
    token = URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"u": member.id, "n": secrets.token_hex(12)})
    return token, (now or utcnow()) + timedelta(seconds=CODE_SECONDS)


def identify_by_code(session: Session, device: User, token: str, secret_key: str, *,
                     at: datetime | None = None, queue_hours: int = 24) -> User:
    """The member a code names, used up. ``at`` is when a kiosk that was offline scanned it:
    the code must have been fresh then, and the scan recent enough to trust."""
    require_role(device, "kiosk")
    now = utcnow()
    at = at or now
    if at > now + timedelta(minutes=1) or at < now - timedelta(hours=queue_hours):
        raise MemberCodeRefused(str(_("会员码的扫描时间无效。")))
    try:
        data, signed_at = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token or "", return_timestamp=True)
    except BadSignature:
        raise MemberCodeRefused(str(_("会员码无效。"))) from None
    if not timedelta(seconds=-5) <= at - signed_at <= timedelta(seconds=CODE_SECONDS):
        raise MemberCodeRefused(str(_("会员码已过期，请刷新手机上的会员码。")))
    member = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if member is None or not member.is_active or member.community_id != device.community_id:
        raise MemberCodeRefused(str(_("会员码无效。")))
    add_unique(session, UsedMemberCode(nonce=str(data.get("n"))[:32]),
               MemberCodeRefused(str(_("会员码已使用，请刷新手机上的会员码。"))))
    return member


def find_card(session: Session, member: User) -> MemberCard | None:
    require_role(member, *MEMBER_ROLES)
    return session.get(MemberCard, member.id)


def member_card(session: Session, member: User) -> MemberCard:
    """The member's card, issued when they first set a PIN; the number is what they type at a
    kiosk, with the PIN."""
    card = find_card(session, member)
    if card is None:
        card = add_unique(session, MemberCard(user_id=member.id, member_no=f"{member.id:08d}"),
                          Invalid(str(_("会员卡创建失败，请重试。"))))
    return card


def set_pin(session: Session, member: User, pin: str) -> MemberCard:
    if not re.fullmatch(r"\d{6}", pin or "") or len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise Invalid.field("pin", _("请设置6位数字密码，不要用重复或连续的数字。"))
    card = member_card(session, member)
    card.pin_hash, card.failed_attempts, card.locked_until = hash_password(pin), 0, None
    session.flush()
    return card


def check_pin(session: Session, device: User, member_no: str, pin: str) -> User | None:
    """The member if the PIN is right; otherwise None with the failure counted, and the card
    locked after too many. The caller commits either way, so failures are never forgotten."""
    require_role(device, "kiosk")
    card = session.scalar(select(MemberCard).where(MemberCard.member_no == (member_no or "").strip()))
    now = utcnow()
    if card is not None and card.locked_until and card.locked_until > now:
        minutes = int((card.locked_until - now).total_seconds() // 60) + 1
        raise RateLimited(str(_("密码错误次数过多，请 %(n)d 分钟后再试。", n=minutes)))
    member = session.get(User, card.user_id) if card else None
    if (verify_password(card.pin_hash if card else None, pin or "") and member is not None
            and member.is_active and member.community_id == device.community_id):
        card.failed_attempts = 0
        session.flush()
        return member
    if card is not None:
        _count_failure(session, card, now)
    return None


def _count_failure(session: Session, card: MemberCard, now: datetime) -> None:
    session.execute(update(MemberCard).where(MemberCard.user_id == card.user_id)
                    .values(failed_attempts=MemberCard.failed_attempts + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(card)
    if card.failed_attempts >= PIN_ATTEMPTS:
        card.failed_attempts, card.locked_until = 0, now + PIN_LOCK
        session.flush()
