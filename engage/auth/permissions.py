"""Role checks shared by every capability's services."""

from __future__ import annotations

from engage.auth.models import User
from engage.errors import Forbidden

STAFF_ROLES = ("staff", "admin")

# How far an account's authority reaches. An account may manage (disable, award) only
# accounts whose rank is at or below its own, so staff cannot disable the street admin.
ROLE_RANK = {
    "resident": 0,
    "volunteer": 0,
    "kiosk": 0,
    "grid_worker": 1,
    "property_manager": 1,
    "department": 1,
    "staff": 2,
    "admin": 3,
    "district_admin": 4,
}


def require_role(actor: User, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise Forbidden()


def rank(user: User) -> int:
    """The rank of the account's highest role."""
    return max((ROLE_RANK[role] for role in user.roles), default=0)
