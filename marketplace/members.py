"""How a kiosk knows who stands in front of it: a member code from the phone, or a
member number and PIN typed on the keypad.

Member codes are signed (forgeries fail), live at most 120 seconds (a photo of
someone's phone is soon useless) and work once (their nonce is kept). Member numbers
are random. After repeated wrong PINs a member is locked out at that kiosk only, for
twice as long each time.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.passwords import hash_password, verify_password
from engage.auth.permissions import require_role
from engage.errors import Conflict, Invalid, RateLimited, Unauthenticated
from engage.persistence import add_unique
from engage.scope import scope_of
from marketplace.models import MemberCard, PinLockout, UsedMemberCode
from points.base import utcnow

SALT = "member-code"
CODE_SECONDS = 120
MEMBER_NO_DIGITS = 10
PIN_ATTEMPTS = 5
PIN_LOCK = timedelta(minutes=15)
PIN_LOCK_MAX = timedelta(days=1)
MEMBER_ROLES = ("resident", "volunteer")


class MemberCodeRefused(Unauthenticated):
    code = "invalid_member_code"


def member_code(member: User, secret_key: str, *, now: datetime | None = None) -> tuple[str, datetime]:
    """What the phone shows as a QR code, and when it stops working."""
    require_role(member, *MEMBER_ROLES)
    token = URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"u": member.id, "n": secrets.token_hex(12)})
    return token, (now or utcnow()) + timedelta(seconds=CODE_SECONDS)


def identify_by_code(
    session: Session,
    device: User,
    token: str,
    secret_key: str,
    *,
    at: datetime | None = None,
    queue_hours: int,
) -> User:
    """The member a code names, used up. ``at`` is when a kiosk that was offline scanned it:
    the code must have been fresh then, and the scan recent enough to trust."""
    require_role(device, "kiosk")
    now = utcnow()
    at = at or now
    if at > now + timedelta(minutes=1) or at < now - timedelta(hours=queue_hours):
        raise MemberCodeRefused(str(_("会员码的扫描时间无效。")))
    try:
        data, signed_at = URLSafeTimedSerializer(secret_key, salt=SALT).loads(
            token or "", return_timestamp=True
        )
    except BadSignature:
        raise MemberCodeRefused(str(_("会员码无效。"))) from None
    if not timedelta(seconds=-5) <= at - signed_at <= timedelta(seconds=CODE_SECONDS):
        raise MemberCodeRefused(str(_("会员码已过期，请刷新手机上的会员码。")))
    member = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if (
        member is None
        or not member.is_active
        or member.community_id != scope_of(session, device).community_id
    ):
        raise MemberCodeRefused(str(_("会员码无效。")))
    add_unique(
        session,
        UsedMemberCode(nonce=str(data.get("n"))[:32]),
        MemberCodeRefused(str(_("会员码已使用，请刷新手机上的会员码。"))),
    )
    return member


def find_card(session: Session, member: User) -> MemberCard | None:
    require_role(member, *MEMBER_ROLES)
    return session.get(MemberCard, member.id)


def member_card(session: Session, member: User) -> MemberCard:
    """The member's card, issued when they first set a PIN; the number is what they type at a
    kiosk, with the PIN."""
    card = find_card(session, member)
    if card is None:
        card = add_unique(
            session,
            MemberCard(user_id=member.id, member_no=new_member_no()),
            Invalid(str(_("会员卡创建失败，请重试。"))),
        )
    return card


def new_member_no() -> str:
    """Random, so that knowing one member's number tells nothing about another's."""
    return f"{secrets.randbelow(10**MEMBER_NO_DIGITS):0{MEMBER_NO_DIGITS}d}"


def set_pin(session: Session, member: User, pin: str) -> MemberCard:
    """A new PIN also lifts the member's lockouts: they proved who they are by signing in."""
    if (
        not re.fullmatch(r"\d{6}", pin or "")
        or len(set(pin)) == 1
        or pin in "0123456789"
        or pin in "9876543210"
    ):
        raise Invalid.field("pin", _("请设置6位数字密码，不要用重复或连续的数字。"))
    card = member_card(session, member)
    card.pin_hash = hash_password(pin)
    session.execute(delete(PinLockout).where(PinLockout.user_id == member.id))
    session.flush()
    return card


def check_pin(
    session: Session, device: User, member_no: str, pin: str, *, now: datetime | None = None
) -> User | None:
    """The member if the PIN is right; otherwise None with the failure counted. The caller
    commits either way, so failures are never forgotten.

    A try is counted before the PIN is checked, by a conditional UPDATE: of eight wrong
    PINs sent at once only ``PIN_ATTEMPTS`` are checked; the rest are refused unchecked."""
    require_role(device, "kiosk")
    now = now or utcnow()
    card = session.scalar(select(MemberCard).where(MemberCard.member_no == (member_no or "").strip()))
    if card is None:
        verify_password(None, pin or "")  # as slow as a real check: the answer's time tells nothing
        return None
    _claim_try(session, device.id, card.user_id, now)
    member = session.get(User, card.user_id)
    if (
        verify_password(card.pin_hash, pin or "")
        and member is not None
        and member.is_active
        and member.community_id == scope_of(session, device).community_id
    ):
        session.execute(
            _lockout(device.id, card.user_id)
            .values(failed_attempts=0, strikes=0)
            .execution_options(synchronize_session=False)
        )
        return member
    _lock_if_spent(session, device.id, card.user_id, now)
    return None


def _lockout(kiosk_id: int, user_id: int):
    return update(PinLockout).where(PinLockout.kiosk_id == kiosk_id, PinLockout.user_id == user_id)


def _claim_try(session: Session, kiosk_id: int, user_id: int, now: datetime) -> None:
    """Count one try at this kiosk, or refuse while it is locked or its tries are spent."""
    if session.get(PinLockout, (kiosk_id, user_id)) is None:
        try:
            add_unique(session, PinLockout(kiosk_id=kiosk_id, user_id=user_id), Conflict())
        except Conflict:
            pass  # another request at this kiosk created it first: count on it alike
    claimed = session.execute(
        _lockout(kiosk_id, user_id)
        .where(
            PinLockout.failed_attempts < PIN_ATTEMPTS,
            PinLockout.locked_until.is_(None) | (PinLockout.locked_until <= now),
        )
        .values(failed_attempts=PinLockout.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        until = session.get(PinLockout, (kiosk_id, user_id), populate_existing=True).locked_until or now
        minutes = max(0, int((until - now).total_seconds() // 60)) + 1
        raise RateLimited(str(_("密码错误次数过多，请 %(n)d 分钟后再试。", n=minutes)))


def _lock_if_spent(session: Session, kiosk_id: int, user_id: int, now: datetime) -> None:
    """The last allowed wrong try locks this kiosk for this member, twice as long as last time.
    This request still holds the row its try was counted on, so no other can interleave."""
    row = session.get(PinLockout, (kiosk_id, user_id), populate_existing=True)
    if row.failed_attempts >= PIN_ATTEMPTS:
        row.locked_until = now + min(PIN_LOCK * 2**row.strikes, PIN_LOCK_MAX)
        row.failed_attempts, row.strikes = 0, row.strikes + 1
        session.flush()
