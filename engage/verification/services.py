"""SMS verification codes, for any purpose that needs a phone proved: signing in, resetting a
password, and a report made without an account (``intake``).

A code is six random digits, good for ``CodeRules.lifetime`` (10 minutes), for one use and for
``CodeRules.attempts`` tries: the try after the last is refused unchecked, so guessing is over
after five. Only an HMAC of the code, keyed by the app's secret and bound to phone and purpose,
is stored: the table alone gives no code away, and a login code is no reset code. Only the
newest code of a phone and purpose counts; asking again replaces it. Codes go out through the
outbox (``send_sms``, kind ``sms_code``, urgent: a code at 23:00 must not wait for morning) and
tied to no account, so no one's message list shows a code that would let its reader in.

How often a code may be sent is limited per phone and per client address alike: one a minute,
and ten in a day (from the first of that day). The counts are rows of ``sms_code_limits``
moved by one conditional UPDATE each, the mechanism of the kiosk PIN lockout
(``marketplace.members``), not the login throttle's ``limits`` storage: that storage is per
process unless Redis is configured and starts over on a restart, while an SMS costs money and
a phone must not be bombed with codes by a deployment that runs four processes. The UPDATE's
conditions are checked under the row's lock, so requests at once cannot both pass a limit.

The caller decides whether a code is sent at all (``send``): sign-in and reset send none to a
phone without a fitting account, yet count the request all the same, so that the answer (and
the limit) is the same whether or not the phone has an account.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.orm import Session

from engage.errors import RateLimited
from engage.outbox.services import send_sms
from engage.validation import choice
from engage.validation import phone as valid_phone
from engage.verification.models import PURPOSES, SmsCode, SmsCodeLimit
from points.base import UTCDateTime, utcnow
from points.inserts import stored_unless_taken

DIGITS = 6
DAY = timedelta(days=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
KEY_MAX = 64
TEXTS = {
    "login": _("您正在使用短信验证码登录，验证码 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。"),
    "reset": _("您正在重置密码，验证码 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。"),
    "intake": _("您正在提交诉求，验证码 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。"),
}


@dataclass(frozen=True)
class CodeRules:
    """``key`` is the HMAC key (the app's ``SECRET_KEY``); the rest are the limits above."""

    key: str
    lifetime: timedelta = timedelta(minutes=10)
    interval: timedelta = timedelta(minutes=1)
    per_day: int = 10
    attempts: int = 5

    @classmethod
    def from_config(cls, config: Mapping) -> CodeRules:
        return cls(key=config["SECRET_KEY"])


def request_code(
    session: Session,
    rules: CodeRules,
    *,
    purpose: str,
    phone: str,
    ip: str | None,
    send: bool = True,
    now: datetime | None = None,
) -> SmsCode | None:
    """Count a request for a code against the phone's and the address's limits
    (``RateLimited`` past either, and nothing changes), then, if ``send``, make a new code
    and queue its SMS. ``phone`` is validated (``Invalid`` names the field ``phone``)."""
    purpose = choice(purpose, "purpose", PURPOSES)
    phone = valid_phone(phone, "phone")
    now = now or utcnow()
    for key in (f"phone:{phone}", f"ip:{ip or '-'}"):
        _count(session, rules, key[:KEY_MAX], now)
    if not send:
        return None
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    row = SmsCode(
        purpose=purpose,
        phone=phone,
        code_hash=_digest(rules, purpose, phone, code),
        created_at=now,
        expires_at=now + rules.lifetime,
        attempts=0,
        ip=ip,
    )
    session.add(row)
    minutes = int(rules.lifetime.total_seconds() // 60)
    send_sms(
        session,
        to=phone,
        text=str(TEXTS[purpose] % {"code": code, "minutes": minutes}),
        kind="sms_code",
        urgent=True,
        params={"code": code},
    )
    return row


def consume_code(
    session: Session, rules: CodeRules, *, purpose: str, phone: str, code: str, now: datetime | None = None
) -> bool:
    """Whether ``code`` is the phone's live code for ``purpose``; if so it is used up.

    Each try is counted before the code is compared, by a conditional UPDATE, so of many
    tries at once no more than ``rules.attempts`` are compared. The caller commits whatever
    the answer (a wrong try must stay counted) and says "wrong or expired" either way."""
    now = now or utcnow()
    live = session.scalar(
        select(SmsCode.id)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.id.desc())
        .limit(1)
    )
    if live is None or not isinstance(code, str):
        return False
    usable = (SmsCode.id == live, SmsCode.used_at.is_(None), SmsCode.expires_at > now)
    stored = session.scalar(
        update(SmsCode)
        .where(*usable, SmsCode.attempts < rules.attempts)
        .values(attempts=SmsCode.attempts + 1)
        .returning(SmsCode.code_hash)
        .execution_options(synchronize_session=False)
    )
    if stored is None or not hmac.compare_digest(stored, _digest(rules, purpose, phone, code.strip())):
        return False
    used = session.execute(
        update(SmsCode).where(*usable).values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def purge_codes(session: Session, *, now: datetime | None = None) -> int:
    """Codes and counts older than a day are of no more use (the job ``tick`` runs)."""
    cutoff = (now or utcnow()) - DAY
    codes = session.execute(delete(SmsCode).where(SmsCode.expires_at < cutoff)).rowcount
    session.execute(
        delete(SmsCodeLimit).where(SmsCodeLimit.day_start < cutoff, SmsCodeLimit.last_sent_at < cutoff)
    )
    return codes


def _digest(rules: CodeRules, purpose: str, phone: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(rules.key.encode(), message, hashlib.sha256).hexdigest()


def _count(session: Session, rules: CodeRules, key: str, now: datetime) -> None:
    """One more code for ``key`` (a phone or an address), or ``RateLimited``."""
    stored_unless_taken(
        session, SmsCodeLimit, {"key": key, "day_start": EPOCH, "sent": 0, "last_sent_at": EPOCH}, "key"
    )
    at = literal(now, UTCDateTime())
    new_day = SmsCodeLimit.day_start <= now - DAY
    counted = session.execute(
        update(SmsCodeLimit)
        .where(
            SmsCodeLimit.key == key,
            SmsCodeLimit.last_sent_at <= now - rules.interval,
            new_day | (SmsCodeLimit.sent < rules.per_day),
        )
        .values(
            sent=case((new_day, 1), else_=SmsCodeLimit.sent + 1),
            day_start=case((new_day, at), else_=SmsCodeLimit.day_start),
            last_sent_at=at,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if counted == 1:
        return
    last = session.scalar(select(SmsCodeLimit.last_sent_at).where(SmsCodeLimit.key == key))
    if last > now - rules.interval:
        wait = math.ceil((last + rules.interval - now).total_seconds())
        raise RateLimited(str(_("获取验证码太频繁，请 %(n)d 秒后再试。", n=wait)))
    raise RateLimited(str(_("今天获取验证码的次数已达上限，请明天再试。")))
