from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..crypto import EncryptedDate, EncryptedString
from ..extensions import db
from ..timeutil import utcnow

case_team = Table(
    "case_team", db.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Person(db.Model):
    """Someone the organisation serves. Everything that identifies them is encrypted at rest."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(EncryptedString)
    alias: Mapped[str] = mapped_column(EncryptedString)
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    email: Mapped[str | None] = mapped_column(EncryptedString)
    current_city: Mapped[str | None] = mapped_column(EncryptedString)
    state_of_origin: Mapped[str | None] = mapped_column(EncryptedString)
    case_status: Mapped[str | None] = mapped_column(EncryptedString)
    hearing_date: Mapped[dt.date | None] = mapped_column(EncryptedDate)
    safety_notes: Mapped[str | None] = mapped_column(EncryptedString)
    notes: Mapped[str | None] = mapped_column(EncryptedString)
    language: Mapped[str] = mapped_column(String(8), default="es")
    arrival_date: Mapped[dt.date | None]
    in_hiding: Mapped[bool] = mapped_column(default=False)
    consent_date: Mapped[dt.date | None]
    consent_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    household: Mapped[list[HouseholdMember]] = relationship(back_populates="person", cascade="all, delete-orphan",
                                                            order_by="HouseholdMember.id")
    team: Mapped[list[User]] = relationship(secondary=case_team, order_by=User.id)

    @property
    def household_size(self) -> int:
        return 1 + len(self.household)

    def has_consent(self, scope: str) -> bool:
        return self.consent_date is not None and scope in (self.consent_scopes or [])


class HouseholdMember(db.Model):
    __tablename__ = "household_members"
    __table_args__ = (CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100",
                                      name="birth_year_sane"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    relationship_code: Mapped[str] = mapped_column("relationship", String(20))
    birth_year: Mapped[int | None]

    person: Mapped[Person] = relationship(back_populates="household")


class PersonSearchToken(db.Model):
    """Blind index of a person's legal name and alias (see mexiles.crypto)."""

    __tablename__ = "person_search_tokens"
    __table_args__ = (Index("ix_person_search_tokens_lookup", "field", "token"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
