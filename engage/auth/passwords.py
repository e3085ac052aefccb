"""Password policy and hashing."""

from __future__ import annotations

import secrets
from functools import lru_cache

from flask_babel import lazy_gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from engage.errors import Invalid

MIN_LENGTH = 8

# The most common passwords in Chinese and international leaks that pass the length rule.
COMMON_PASSWORDS = frozenset(
    """
12345678 123456789 1234567890 0123456789 11111111 00000000 88888888 66666666 99999999
12341234 11223344 87654321 98765432 147258369 123123123 12344321 22222222 55555555
123456789a a12345678 aa123456 abc12345 abcd1234 a1234567 1234qwer qwer1234 1qaz2wsx
password password1 password123 passw0rd p@ssw0rd qwertyui qwerty123 qwerty12 asdfghjk
iloveyou woaini1314 woaini520 5201314520 1314520520 woaini123 zhang123456 wang123456
admin123 admin1234 administrator root1234 letmein1 welcome1 sunshine princess football
baseball dragon12 monkey12 superman 1q2w3e4r 1q2w3e4r5t zxcvbnm1 zxcvbnm123 asdf1234
abcdefgh abcd12345 qazwsxedc 147852369 159753123 789456123 741852963 321654987
engage123
""".split()
)


def check_policy(password: str) -> None:
    """At least 8 characters, and not one of the passwords everybody tries first."""
    if len(password) < MIN_LENGTH:
        raise Invalid.field("password", _("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH))
    if password.lower() in COMMON_PASSWORDS:
        raise Invalid.field("password", _("这个密码太常见了，请换一个。"))


HASH_METHOD = "scrypt"
# Django's convention: a stored hash starting with "!" is no hash at all, so no password matches.
UNUSABLE_PREFIX = "!"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def unusable_password() -> str:
    """What an account that has no password yet stores (imported residents and volunteers, who
    are given one later): it can never be matched, and costs nothing to make."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Hash even when there is no account, so a missing one takes as long as a wrong password."""
    matches = check_password_hash(password_hash or _dummy_hash(), password)
    return matches and password_hash is not None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method=HASH_METHOD)
