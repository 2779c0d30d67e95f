"""Speaking tours: speakers, the bookings hosts ask for, and the events that come of them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, false, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedString
from ..extensions import Model, one_of
from ..timeutil import utcnow

if TYPE_CHECKING:  # for the annotations only: the relationships name the table's class
    from ..accounts.models import User

NAME_CHOICES = ("full", "first", "alias")
TALK_LANGUAGES = ("en", "es")
TRAVEL_SUPPORT = ("none", "partial", "full")
REQUEST_STATUSES = ("new", "scheduled", "closed")
# A host's proposal of another time: open until a coordinator accepts or declines it, or the host
# proposes again (replaced) or withdraws the request.
PROPOSAL_STATUSES = ("open", "accepted", "declined", "replaced", "withdrawn")
# The life of an event; which step may follow which lives in services.TRANSITIONS.
STATUSES = ("requested", "offered", "accepted", "declined", "confirmed", "done", "cancelled")


class Speaker(Model):
    """A speaker's profile. The legal name is encrypted and shown in public only if they choose so."""

    __tablename__ = "tour_speakers"
    __table_args__ = (
        CheckConstraint(one_of("name_choice", NAME_CHOICES), name="name_choice_known"),
        CheckConstraint("name_choice <> 'alias' OR alias IS NOT NULL", name="alias_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    name_choice: Mapped[str] = mapped_column(String(8), default="alias")
    alias: Mapped[str | None] = mapped_column(String(120))  # public by design
    legal_name: Mapped[str] = mapped_column(EncryptedString)
    bio_en: Mapped[str | None] = mapped_column(Text)
    bio_es: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_city: Mapped[str | None] = mapped_column(EncryptedString)  # where someone at risk lives
    public_city: Mapped[str | None] = mapped_column(String(120))  # what the public page says, if anything
    time_zone: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the secret in the speaker's calendar-feed URL; the secret itself is never stored.
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    user: Mapped[User] = relationship("User", lazy="joined", innerjoin=True)
    unavailable: Mapped[list[Unavailability]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan", order_by="Unavailability.first_day"
    )


class SpeakerPerson(Model):
    """A speaker who is also a person served: their talks join their case file."""

    __tablename__ = "tour_speaker_people"

    speaker_id: Mapped[int] = mapped_column(ForeignKey("tour_speakers.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)


class Unavailability(Model):
    """Days (in the speaker's own reckoning) on which the speaker cannot give a talk."""

    __tablename__ = "tour_unavailability"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="days_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("tour_speakers.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(EncryptedString)  # often why: a hearing, a clinic

    speaker: Mapped[Speaker] = relationship(back_populates="unavailable")


class BookingRequest(Model):
    """A host's request for a speaker, sent through the public form."""

    __tablename__ = "tour_booking_requests"
    __table_args__ = (
        CheckConstraint(one_of("status", REQUEST_STATUSES), name="status_known"),
        CheckConstraint(one_of("language", TALK_LANGUAGES), name="language_known"),
        CheckConstraint(one_of("host_locale", TALK_LANGUAGES), name="host_locale_known"),
        CheckConstraint(one_of("travel_support", TRAVEL_SUPPORT), name="travel_support_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("expected_audience IS NULL OR expected_audience > 0", name="audience_positive"),
        CheckConstraint("honorarium_cents IS NULL OR honorarium_cents >= 0", name="honorarium_sane"),
        Index("ix_tour_booking_requests_inbox", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="new")
    # The speaker the host asked for on the public page; None for "any speaker".
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("tour_speakers.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(EncryptedString)
    contact_email: Mapped[str] = mapped_column(EncryptedString)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString)
    starts_at: Mapped[dt.datetime]  # naive UTC
    ends_at: Mapped[dt.datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    other_dates: Mapped[str | None] = mapped_column(EncryptedString)
    city: Mapped[str] = mapped_column(String(120))
    venue: Mapped[str] = mapped_column(String(200))
    expected_audience: Mapped[int | None]
    topic: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))  # of the talk
    host_locale: Mapped[str] = mapped_column(String(5))  # the host wrote in it; we answer in it
    honorarium_cents: Mapped[int | None]
    travel_support: Mapped[str] = mapped_column(String(10), default="none")
    message: Mapped[str | None] = mapped_column(EncryptedString)
    # The honeypot was filled in: kept for a coordinator to look at, out of the inbox, never answered.
    flagged_spam: Mapped[bool] = mapped_column(default=False, server_default=false())
    # SHA-256 of the secret in the host's own link (mailed once, like a speaker's feed address); the
    # secret itself is never stored. The link stops working at host_link_expires_at.
    host_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    host_link_expires_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]  # by the host, through their link: closed for good
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())

    speaker: Mapped[Speaker | None] = relationship()
    events: Mapped[list[TourEvent]] = relationship(back_populates="request", order_by="TourEvent.id")
    proposals: Mapped[list[TimeProposal]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TimeProposal.id"
    )


class TimeProposal(Model):
    """Another time the host proposes through their link, for a coordinator to accept or decline."""

    __tablename__ = "tour_time_proposals"
    __table_args__ = (
        CheckConstraint(one_of("status", PROPOSAL_STATUSES), name="status_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # One open proposal per request: a new one replaces it.
        Index(
            "uq_tour_time_proposals_one_open",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("tour_booking_requests.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime]  # naive UTC
    ends_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(EncryptedString)  # why a coordinator declined; told to the host

    request: Mapped[BookingRequest] = relationship(back_populates="proposals")


class TourEvent(Model):
    """A talk by one speaker for one host. Times are naive UTC with the zone of the place."""

    __tablename__ = "tour_events"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint(one_of("language", TALK_LANGUAGES), name="language_known"),
        CheckConstraint(one_of("host_locale", TALK_LANGUAGES), name="host_locale_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_sane"),
        CheckConstraint(
            "honorarium_offered_cents IS NULL OR honorarium_offered_cents >= 0", name="honorarium_offered_sane"
        ),
        CheckConstraint(
            "honorarium_received_cents IS NULL OR honorarium_received_cents >= 0", name="honorarium_received_sane"
        ),
        CheckConstraint("travel_costs_cents IS NULL OR travel_costs_cents >= 0", name="travel_costs_sane"),
        Index("ix_tour_events_speaker_time", "speaker_id", "starts_at"),
        Index("ix_tour_events_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("tour_booking_requests.id", ondelete="SET NULL"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(ForeignKey("tour_speakers.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(12), default="requested")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]  # naive UTC
    ends_at: Mapped[dt.datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(120))
    venue: Mapped[str] = mapped_column(String(200))
    listed: Mapped[bool] = mapped_column(default=True)  # on the public tour page once confirmed
    organisation: Mapped[str] = mapped_column(String(200))
    host_name: Mapped[str] = mapped_column(EncryptedString)
    host_email: Mapped[str] = mapped_column(EncryptedString)
    host_locale: Mapped[str] = mapped_column(String(5), default="en")
    language: Mapped[str] = mapped_column(String(5), default="en")
    expected_audience: Mapped[int | None]
    honorarium_offered_cents: Mapped[int | None]
    attendance: Mapped[int | None]
    honorarium_received_cents: Mapped[int | None]
    travel_costs_cents: Mapped[int | None]
    offered_at: Mapped[dt.datetime | None]  # first offered: from then on it is in the speaker's calendar
    # Each reminder is claimed (set) before it is sent and released if sending fails: sent exactly once.
    speaker_reminded_at: Mapped[dt.datetime | None]
    host_reminded_at: Mapped[dt.datetime | None]
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: grows with every change
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    speaker: Mapped[Speaker] = relationship(lazy="joined", innerjoin=True)
    request: Mapped[BookingRequest | None] = relationship(back_populates="events")
    steps: Mapped[list[EventStep]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventStep.id"
    )
    overrides: Mapped[list[ConflictOverride]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="ConflictOverride.id"
    )


class EventStep(Model):
    """One step in an event's life: who moved it, when, and why."""

    __tablename__ = "tour_event_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("tour_events.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(EncryptedString)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    event: Mapped[TourEvent] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship("User")


class ConflictOverride(Model):
    """A coordinator's decision to book despite warnings, with the reason given."""

    __tablename__ = "tour_conflict_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("tour_events.id", ondelete="CASCADE"), index=True)
    conflicts: Mapped[list[str]] = mapped_column(JSON)  # conflict keys, e.g. "travel:12", "notice"
    reason: Mapped[str] = mapped_column(EncryptedString)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    event: Mapped[TourEvent] = relationship(back_populates="overrides")
    actor: Mapped[User | None] = relationship("User")
