"""Accounts, their roles, and server-side login sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.base import Base, UTCDateTime, utcnow

ROLES = (
    "resident",
    "volunteer",
    "grid_worker",
    "staff",
    "admin",
    "property_manager",
    "kiosk",
    "district_admin",
    "department",
)
SESSION_KINDS = ("web", "api")


class User(Base):
    """A person or a kiosk device. Residents and volunteers log in with their phone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    # A command centre's (district_admin) district; everyone else's follows from street or community.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    micro_grid_id: Mapped[int | None] = mapped_column(ForeignKey("micro_grids.id"), index=True)
    property_company_id: Mapped[int | None] = mapped_column(ForeignKey("property_companies.id"))
    # The department a member (role ``department``) signs and replies for.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    skills: Mapped[str | None] = mapped_column(String(200))  # volunteers: comma-separated tags
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when staff reset the password to a one-time one: the next sign-in must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    community: Mapped[Community | None] = relationship()  # noqa: F821
    micro_grid: Mapped[MicroGrid | None] = relationship()  # noqa: F821

    # Set by the login layer to the raw session token this request authenticated with.
    login_token = None  # type: str | None
    # Set by engage.scope.scope_of: the tenant scope this user acts in, worked out once.
    scope = None  # type: Scope | None  # noqa: F821

    @property
    def roles(self) -> list[str]:
        return sorted(row.role for row in self.role_rows)

    def has_role(self, *names: str) -> bool:
        return any(row.role in names for row in self.role_rows)

    # The four members Flask-Login expects, without importing Flask into models.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.login_token


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('resident', 'volunteer', 'grid_worker', 'staff', 'admin', 'property_manager', 'kiosk', "
            "'district_admin', 'department')",
            name="role",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class AuthSession(Base):
    """A login (web) or an API token; only a SHA-256 of the token is stored.

    Keeping sessions server-side is what lets logout and disabling an account take
    effect at once: a signed cookie alone cannot be revoked.
    """

    __tablename__ = "auth_sessions"
    __table_args__ = (CheckConstraint("kind IN ('web', 'api')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()
