"""Getting into an account without its password: by an SMS code sent to its phone (residents
and volunteers), or by staff giving it a one-time password (the accounts they manage).

Whichever way a password changes, every other session and API token of the account ends
(``services.set_password``).

The answers never tell whether a phone has an account: asking for a code counts against the
limits and answers the same either way (no SMS goes to a phone without a fitting account),
and a code that was never sent is as wrong as a mistyped one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.auth.passwords import check_policy
from engage.auth.permissions import rank
from engage.auth.services import SELF_SERVICE_ROLES, managed_user, set_password
from engage.errors import Forbidden, Invalid
from engage.outbox.services import send_sms
from engage.validation import choice
from engage.validation import phone as valid_phone
from engage.verification.services import CodeRules, consume_code, request_code
from points.base import utcnow

ACCOUNT_PURPOSES = ("login", "reset")
# No 0/o, 1/l/i: read out over the phone or copied from a screen without mistakes.
TEMPORARY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TEMPORARY_LENGTH = 10


def code_account(session: Session, phone: str) -> User | None:
    """The account an SMS code may open: active, with this phone, and no role but resident or
    volunteer.

    Staff, street admins, grid workers, the command centre, departments, property managers and
    kiosks are never opened by a code alone. They reach other people's personal data (the 468
    care targets, phone numbers), points budgets and dispatch; a phone is a weak proof: a SIM
    can be swapped, a phone picked up from a desk, and every code passes through an SMS
    provider. Their passwords are reset by the staff or admin above them, who know them."""
    user = session.scalar(select(User).where(User.phone == phone, User.is_active))
    return user if user is not None and set(user.roles) <= set(SELF_SERVICE_ROLES) else None


def send_account_code(
    session: Session,
    rules: CodeRules,
    *,
    purpose: str,
    phone: str,
    ip: str | None,
    now: datetime | None = None,
) -> None:
    """Send a sign-in or reset code to the phone if it has an account a code may open;
    count the request against the limits either way."""
    purpose = choice(purpose, "purpose", ACCOUNT_PURPOSES)
    phone = valid_phone(phone, "phone")
    account = code_account(session, phone)
    request_code(session, rules, purpose=purpose, phone=phone, ip=ip, send=account is not None, now=now)


def sign_in_by_code(
    session: Session, rules: CodeRules, *, phone: str, code: str, now: datetime | None = None
) -> User | None:
    """The account, if ``code`` is the phone's live sign-in code; else None (the try is
    counted: the caller commits either way)."""
    user = code_account(session, valid_phone(phone, "phone"))
    if user is None or not consume_code(
        session, rules, purpose="login", phone=user.phone, code=code, now=now
    ):
        return None
    user.last_login_at = now or utcnow()
    return user


def reset_password_by_code(
    session: Session,
    rules: CodeRules,
    *,
    phone: str,
    code: str,
    password: str,
    now: datetime | None = None,
) -> User | None:
    """A new password for the phone's account if ``code`` is its live reset code; else None
    (the try is counted: the caller commits either way). The password is checked before the
    code is used, so a refused password leaves the code good for another try."""
    phone = valid_phone(phone, "phone")
    check_policy(password)
    user = code_account(session, phone)
    if user is None or not consume_code(session, rules, purpose="reset", phone=phone, code=code, now=now):
        return None
    set_password(session, user, password)
    return user


@dataclass(frozen=True)
class TemporaryPassword:
    user: User
    password: str | None  # None when it went by SMS: then it is shown to nobody


def reset_password_by_staff(
    session: Session, actor: User, user_id: int, *, by_sms: bool
) -> TemporaryPassword:
    """Staff reset the password of an account of their community (street admins, of their
    street) to a random one-time password, shown once to them or sent by SMS to the account's
    phone; the account must choose a new one when it next signs in, and every session ends.

    Only accounts of a lower rank than the actor's: a colleague of the same rank is reset by
    the one above them, or any staff member could sign in as any other with the password they
    were shown."""
    user = managed_user(session, actor, user_id)
    if rank(user) >= rank(actor):
        raise Forbidden(str(_("只能重置角色低于您的账号的密码。")))
    if by_sms and not user.phone:
        raise Invalid.field("deliver", _("该账号没有手机号，无法用短信发送。"))
    password = "".join(secrets.choice(TEMPORARY_ALPHABET) for _position in range(TEMPORARY_LENGTH))
    set_password(session, user, password, must_change=True)
    if not by_sms:
        return TemporaryPassword(user, password)
    send_sms(
        session,
        to=user.phone,
        text=str(_("您的临时密码是 %(password)s，请登录后立即修改。", password=password)),
        kind="password_reset",
        urgent=True,
    )
    return TemporaryPassword(user, None)
