from __future__ import annotations

import datetime as dt
import secrets

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access import Role
from ..crypto import EncryptedString
from ..extensions import Model, one_of
from ..timeutil import utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("locale IN ('en', 'es')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Staff and speakers are people at risk too: their names are protected like the others'.
    full_name: Mapped[str | None] = mapped_column(EncryptedString)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login's session id; replaced on password change or deactivation to end every session.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    # The second factor (TOTP): the secret is kept until enrolment is confirmed with a first code;
    # the last time step used, so that a code cannot be played twice.
    mfa_secret: Mapped[str | None] = mapped_column(EncryptedString)
    mfa_enrolled_at: Mapped[dt.datetime | None]
    mfa_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_any_role(self, roles) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def mfa_enrolled(self) -> bool:
        return self.mfa_enrolled_at is not None

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {sorted(self.roles)}>"


class RoleGrant(Model):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"), CheckConstraint(one_of("role", Role.ALL), name="role_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_grants")


class RecoveryCode(Model):
    """A single-use code that stands in for the authenticator; only its SHA-256 is kept (the codes
    are random and long, so a slow hash would add nothing)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[dt.datetime | None]
