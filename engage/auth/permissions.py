"""Role checks shared by every capability's services."""
from __future__ import annotations

from engage.auth.models import User
from engage.errors import Forbidden

STAFF_ROLES = ("staff", "admin")


def require_role(actor: User, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise Forbidden()
