"""A job row is written in the transaction of the change that causes it, so that no effect is
ever only in memory; its unique key lets each effect happen at most once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto import EncryptedJSON, EncryptedString
from ..extensions import Model
from ..timeutil import utcnow

STATUSES = ("pending", "done", "dead")


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'dead')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_sane"),
        # The sweep and the queue depth look for due pending jobs and for dead ones.
        Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Names the effect and whom it reaches (addresses only as keyed hashes): one effect, one row.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    # Mails carry names and addresses: encrypted at rest like every personal field.
    payload: Mapped[dict] = mapped_column(EncryptedJSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    run_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(EncryptedString)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
