from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedString
from ..extensions import Model, one_of
from ..timeutil import utcnow
from .vocabulary import EXIT_DESTINATIONS, PLACEMENT_STATUSES, REQUEST_STATUSES, SITE_KINDS, URGENCIES, VETTING

if TYPE_CHECKING:  # for the annotations only: the relationships name the table's class
    from ..accounts.models import User


class Site(Model):
    """A place with beds: a host home, a shelter, an apartment. Where it is and who hosts are encrypted."""

    __tablename__ = "housing_sites"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(one_of("kind", SITE_KINDS), name="kind_known"),
        CheckConstraint(one_of("vetting_status", VETTING), name="vetting_known"),
        CheckConstraint("available_until IS NULL OR available_until > available_from", name="offer_period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str | None] = mapped_column(EncryptedString)
    host_name: Mapped[str | None] = mapped_column(EncryptedString)
    host_phone: Mapped[str | None] = mapped_column(EncryptedString)
    host_email: Mapped[str | None] = mapped_column(EncryptedString)
    confidential_notes: Mapped[str | None] = mapped_column(EncryptedString)
    capacity: Mapped[int]
    accepts: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The host offers nights from available_from; guests leave by available_until (open when empty).
    available_from: Mapped[dt.date] = mapped_column(Date)
    available_until: Mapped[dt.date | None] = mapped_column(Date)
    vetting_status: Mapped[str] = mapped_column(String(16), default="new")
    home_visit_on: Mapped[dt.date | None] = mapped_column(Date)
    background_check_on: Mapped[dt.date | None] = mapped_column(Date)
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    vetted_by: Mapped[User | None] = relationship("User")

    @property
    def takes_placements(self) -> bool:
        return self.vetting_status == "verified" and not self.paused


class HousingRequest(Model):
    """A person and their household waiting for a bed."""

    __tablename__ = "housing_requests"
    __table_args__ = (
        CheckConstraint("household_size > 0", name="household_size_positive"),
        CheckConstraint(one_of("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint(one_of("status", REQUEST_STATUSES), name="status_known"),
        Index("ix_housing_requests_waitlist", "status", "opened_at"),
        # A person waits on the waitlist once.
        Index(
            "uq_housing_requests_one_open",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    household_size: Mapped[int]
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    wanted_from: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(EncryptedString)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    placed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class Placement(Model):
    """A household at a site for the nights [start_on, end_on); an open end means until further notice.

    On PostgreSQL the migration adds an exclusion constraint: one person, never two placements on
    the same night. The beds of a site are checked by the placement service under a row lock.
    """

    __tablename__ = "housing_placements"
    __table_args__ = (
        CheckConstraint("beds > 0", name="beds_positive"),
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="at_least_one_night"),
        CheckConstraint(one_of("status", PLACEMENT_STATUSES), name="status_known"),
        CheckConstraint(
            f"exit_destination IS NULL OR {one_of('exit_destination', EXIT_DESTINATIONS)}",
            name="exit_destination_known",
        ),
        Index("ix_housing_placements_site_dates", "site_id", "start_on", "end_on"),
        Index("ix_housing_placements_person", "person_id", "start_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("housing_requests.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("housing_sites.id", ondelete="RESTRICT"))
    beds: Mapped[int]
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    moved_in_on: Mapped[dt.date | None] = mapped_column(Date)
    exit_destination: Mapped[str | None] = mapped_column(String(24))
    moved_from_id: Mapped[int | None] = mapped_column(ForeignKey("housing_placements.id", ondelete="SET NULL"))
    # While a move to another site waits for its day: the end this stay had before, given back if
    # the move is called off.
    end_before_move: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())

    site: Mapped[Site] = relationship()

    @property
    def awaiting_move(self) -> bool:
        """Still here, with a move to another site planned for a later day."""
        return self.status == "moved_in" and self.exit_destination == "another_site"

    @property
    def booked_nights(self) -> int | None:
        """The nights the placement holds, or None while its end is open."""
        return (self.end_on - self.start_on).days if self.end_on else None

    def nights(self, today: dt.date) -> int:
        """Nights actually spent: the whole stay once moved out, so far while still there."""
        if self.status == "moved_out":
            if self.end_on is None:
                raise ValueError(f"placement {self.id} moved out but has no end")
            return (self.end_on - self.start_on).days
        if self.status == "moved_in":
            last = min(today, self.end_on) if self.end_on else today
            return max(0, (last - self.start_on).days)
        return 0
