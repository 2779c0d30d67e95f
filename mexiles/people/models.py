from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, event, func, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..crypto import EncryptedDate, EncryptedString, EncryptedTime
from ..extensions import Model, db, one_of
from ..timeutil import utcnow

if TYPE_CHECKING:  # for the annotations only: the relationships name the table's class
    from ..accounts.models import User

case_team = Table(
    "case_team",
    db.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Person(Model):
    """Someone the organisation serves. Everything that identifies them is encrypted at rest."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(EncryptedString)
    alias: Mapped[str] = mapped_column(EncryptedString)
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    email: Mapped[str | None] = mapped_column(EncryptedString)
    current_city: Mapped[str | None] = mapped_column(EncryptedString)
    state_of_origin: Mapped[str | None] = mapped_column(EncryptedString)
    safety_notes: Mapped[str | None] = mapped_column(EncryptedString)
    language: Mapped[str] = mapped_column(String(8), default="es")
    arrival_date: Mapped[dt.date | None]
    in_hiding: Mapped[bool] = mapped_column(default=False)
    consent_date: Mapped[dt.date | None]
    consent_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    household: Mapped[list[HouseholdMember]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="HouseholdMember.id"
    )
    team: Mapped[list[User]] = relationship("User", secondary=case_team, order_by="User.id")

    @property
    def household_size(self) -> int:
        return 1 + len(self.household)

    def has_consent(self, scope: str) -> bool:
        return self.consent_date is not None and scope in (self.consent_scopes or [])


class HouseholdMember(Model):
    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    relationship_code: Mapped[str] = mapped_column("relationship", String(20))
    birth_year: Mapped[int | None]

    person: Mapped[Person] = relationship(back_populates="household")


class PersonSearchToken(Model):
    """Blind index of a person's legal name and alias (see mexiles.crypto)."""

    __tablename__ = "person_search_tokens"
    __table_args__ = (Index("ix_person_search_tokens_lookup", "field", "token"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)


# --- The case file -------------------------------------------------------------------------


class CaseNote(Model):
    """A note in a person's case file. Append-only: the database refuses UPDATE and DELETE
    (triggers of migration 0010), and so does the ORM. A correction is a new note that supersedes
    the old one; both stay. Migrated notes (the record's old free-text field) have no author."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(EncryptedString)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # A note is corrected at most once; a correction of the correction supersedes the correction.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("case_notes.id", ondelete="RESTRICT"), unique=True)

    author: Mapped[User | None] = relationship("User", lazy="joined")


class CaseNotePin(Model):
    """Pinning and unpinning a note, as facts added one after the other (a note row never changes):
    the latest fact about a note says whether it is pinned. Append-only like the notes."""

    __tablename__ = "case_note_pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("case_notes.id", ondelete="RESTRICT"), index=True)
    pinned: Mapped[bool]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


APPEND_ONLY = (CaseNote, CaseNotePin)

DOCUMENT_KIND_CODES = ("identity", "evidence", "court_notice", "medical", "letter", "receipt", "other")
DOCUMENT_TYPE_CODES = ("pdf", "jpeg", "png", "heic", "docx")


class CaseDocument(Model):
    """A file in a person's case file. The file itself is encrypted in the store (mexiles.storage)
    under a random key; its name, date and description are encrypted here. Never deleted (the
    database refuses, migration 0015): withdrawn, it is hidden and kept; purged by an admin, its file
    is gone from the store and the row stays as a tombstone that says who purged it, when and why."""

    __tablename__ = "case_documents"
    __table_args__ = (
        CheckConstraint(one_of("kind", DOCUMENT_KIND_CODES), name="kind_known"),
        CheckConstraint(one_of("file_type", DOCUMENT_TYPE_CODES), name="file_type_known"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)", name="withdrawn_by_whom"),
        CheckConstraint("(purged_at IS NULL) = (purged_by_id IS NULL)", name="purged_by_whom"),
        CheckConstraint(
            "purged_at IS NULL OR (purge_reason IS NOT NULL AND withdrawn_at IS NOT NULL)", name="purge_told"
        ),
        CheckConstraint(
            "purged_at IS NOT NULL OR (filename IS NOT NULL AND description IS NOT NULL)", name="described"
        ),
        # What another domain's row points at with the person it is about (an assistance receipt):
        # the database then refuses a document of someone else. An index, not a constraint, so that
        # SQLite adds it without rebuilding the table and its triggers.
        Index("uq_case_documents_id_person_id", "id", "person_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    dated_on: Mapped[dt.date] = mapped_column(EncryptedDate)
    description: Mapped[str | None] = mapped_column(EncryptedString)
    filename: Mapped[str | None] = mapped_column(EncryptedString)
    file_type: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(32), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purged_at: Mapped[dt.datetime | None]
    purged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purge_reason: Mapped[str | None] = mapped_column(EncryptedString)

    uploaded_by: Mapped[User | None] = relationship("User", foreign_keys=[uploaded_by_id], lazy="joined")
    withdrawn_by: Mapped[User | None] = relationship("User", foreign_keys=[withdrawn_by_id])
    purged_by: Mapped[User | None] = relationship("User", foreign_keys=[purged_by_id])


class CaseRecordImmutable(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_note_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise CaseRecordImmutable("case notes cannot be changed or deleted")
        if isinstance(obj, CaseDocument) and obj in session.deleted:
            raise CaseRecordImmutable("case documents are withdrawn or purged, never deleted")


STAGE_CODES = (
    "arrived",
    "credible_fear_interview",
    "credible_fear_passed",
    "parole_requested",
    "parole_granted",
    "parole_denied",
    "removal_proceedings",
    "i589_filed",
    "hearings",
    "granted",
    "denied",
    "withdrawn",
    "appeal_filed",
    "appeal_decided",
    "other_relief",
)
DECISION_CODES = ("granted", "denied", "withdrawn")
RELEASE_CODES = ("parole", "bond", "transferred", "other")
CASE_DATE_KINDS = ("hearing", "check_in")
TASK_SOURCES = ("hand", "i589", "appeal", "hearing", "check_in")


class ImmigrationCase(Model):
    """The asylum case beside the person record: one per person. Who represents them, where their
    case is heard and the number that identifies them are encrypted; milestone dates are not, so
    that deadlines can be found by date."""

    __tablename__ = "immigration_cases"
    __table_args__ = (
        CheckConstraint(one_of("stage", STAGE_CODES), name="stage_known"),
        CheckConstraint(f"decision IS NULL OR {one_of('decision', DECISION_CODES)}", name="decision_known"),
        CheckConstraint(
            f"parole_decision IS NULL OR {one_of('parole_decision', ('granted', 'denied'))}",
            name="parole_decision_known",
        ),
        CheckConstraint("(decision IS NULL) = (decision_on IS NULL)", name="decision_dated"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), default="arrived")
    a_number: Mapped[str | None] = mapped_column(EncryptedString)
    attorney: Mapped[str | None] = mapped_column(EncryptedString)
    court: Mapped[str | None] = mapped_column(EncryptedString)
    hearing_location: Mapped[str | None] = mapped_column(EncryptedString)
    credible_fear_on: Mapped[dt.date | None] = mapped_column(Date)
    parole_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    parole_decision: Mapped[str | None] = mapped_column(String(8))
    parole_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_proceedings_on: Mapped[dt.date | None] = mapped_column(Date)
    i589_filed_on: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_on: Mapped[dt.date | None] = mapped_column(Date)
    appeal_filed_on: Mapped[dt.date | None] = mapped_column(Date)
    appeal_decided_on: Mapped[dt.date | None] = mapped_column(Date)
    other_relief: Mapped[str | None] = mapped_column(EncryptedString)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Detention(Model):
    """A stay in immigration detention; a person moved between facilities has one per facility.
    Facility and first day may be unknown for stays carried over from the record's old status."""

    __tablename__ = "immigration_detentions"
    __table_args__ = (
        CheckConstraint("to_on IS NULL OR to_on >= from_on", name="dates_in_order"),
        CheckConstraint(f"released_how IS NULL OR {one_of('released_how', RELEASE_CODES)}", name="release_known"),
        CheckConstraint("released_how IS NULL OR to_on IS NOT NULL", name="release_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    facility: Mapped[str | None] = mapped_column(EncryptedString)
    from_on: Mapped[dt.date | None] = mapped_column(Date)
    to_on: Mapped[dt.date | None] = mapped_column(Date)
    released_how: Mapped[str | None] = mapped_column(String(16))


class CaseDate(Model):
    """A hearing or an ICE check-in; each one is also a deadline on the case (see CaseTask). Its day
    is encrypted, as the record's hearing date is: with the court, it tells where the person will be."""

    __tablename__ = "immigration_dates"
    __table_args__ = (CheckConstraint(one_of("kind", CASE_DATE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[dt.date] = mapped_column(EncryptedDate)
    time_of_day: Mapped[dt.time | None] = mapped_column(EncryptedTime)


class CaseTask(Model):
    """A deadline or task on a case. Hand-made ones have a title; derived ones (``source`` other than
    "hand") are kept in step with the dates they come from by services.deadlines.recompute. The due
    day is encrypted (a hearing's day is one): lists filter and sort by it after decrypting, which
    is cheap at the organisation's size (tens of cases, hundreds of tasks)."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        CheckConstraint(one_of("source", TASK_SOURCES), name="source_known"),
        CheckConstraint("source <> 'hand' OR title IS NOT NULL", name="hand_task_titled"),
        CheckConstraint("(source IN ('hearing', 'check_in')) = (case_date_id IS NOT NULL)", name="dated_from_date"),
        CheckConstraint("done_by_id IS NULL OR done_on IS NOT NULL", name="done_dated"),
        # One I-589 deadline and one appeal deadline per person.
        Index(
            "uq_case_tasks_one_per_law",
            "person_id",
            "source",
            unique=True,
            sqlite_where=text("source IN ('i589', 'appeal')"),
            postgresql_where=text("source IN ('i589', 'appeal')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="hand")
    case_date_id: Mapped[int | None] = mapped_column(
        ForeignKey("immigration_dates.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str | None] = mapped_column(EncryptedString)
    due_on: Mapped[dt.date] = mapped_column(EncryptedDate)
    due_time: Mapped[dt.time | None] = mapped_column(EncryptedTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship("User", foreign_keys=[owner_id], lazy="joined")


class ReminderDigest(Model):
    """The daily email of due and overdue tasks sent to a user: one per user per day, so a cron
    that runs twice sends nothing the second time."""

    __tablename__ = "case_reminder_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeadlineFeed(Model):
    """A user's private calendar of deadlines. The URL holds a random secret; only its hash is kept."""

    __tablename__ = "case_deadline_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
