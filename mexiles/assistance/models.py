"""Emergency assistance: one row per request, from the ask to the payment. Amounts are integer cents;
the reason and the decision's words are encrypted (they say much about the person)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedString
from ..extensions import Model, one_of
from ..money import MAX_AMOUNT, to_cents
from ..timeutil import utcnow
from .vocabulary import CATEGORIES, METHODS, STATUSES

if TYPE_CHECKING:  # for the annotations only: the relationships name the table's class
    from ..accounts.models import User
    from ..giving.models import Fund


class AssistanceRequest(Model):
    __tablename__ = "assistance_requests"
    __table_args__ = (
        CheckConstraint(f"amount_cents > 0 AND amount_cents <= {to_cents(MAX_AMOUNT)}", name="amount_bounded"),
        CheckConstraint(one_of("category", CATEGORIES), name="category_known"),
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint("method IS NULL OR " + one_of("method", METHODS), name="method_known"),
        # Nobody decides their own request; a decision names who made it and when.
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_self_decided"),
        CheckConstraint(
            "(status = 'requested') = (decided_by_id IS NULL AND decided_at IS NULL)", name="decided_when_not_waiting"
        ),
        CheckConstraint("(status = 'paid') = (paid_on IS NOT NULL AND method IS NOT NULL)", name="paid_has_payment"),
        CheckConstraint("NOT over_balance OR override_reason IS NOT NULL", name="override_has_reason"),
        CheckConstraint("receipt_document_id IS NULL OR status = 'paid'", name="receipt_when_paid"),
        # The receipt is a document of this request's person, never of someone else's case file.
        ForeignKeyConstraint(
            ["receipt_document_id", "person_id"],
            ["case_documents.id", "case_documents.person_id"],
            name="fk_assistance_requests_receipt_of_the_person",
            ondelete="RESTRICT",
        ),
        # The figures: what each fund spent by month (index-only on PostgreSQL).
        Index(
            "ix_assistance_requests_fund_status_paid",
            "fund_id",
            "status",
            "paid_on",
            postgresql_include=["amount_cents", "category", "person_id"],
        ),
        Index("ix_assistance_requests_status_requested", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("giving_funds.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(EncryptedString)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str | None] = mapped_column(EncryptedString)
    # Approved although the fund held less than this: only with a reason, and audited.
    over_balance: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(EncryptedString)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(10))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The receipt: a document (kind "receipt") of the person's case file, kept by the people domain.
    receipt_document_id: Mapped[int | None]

    fund: Mapped[Fund] = relationship("Fund", lazy="joined")
    requested_by: Mapped[User] = relationship("User", foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship("User", foreign_keys=[decided_by_id])
    paid_by: Mapped[User | None] = relationship("User", foreign_keys=[paid_by_id])
