"""Asking, deciding and paying: the rules of an assistance request, and the audit of each step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...audit import services as audit
from ...extensions import db
from ...giving import services as giving
from ...money import MAX_AMOUNT, money, to_cents
from ...people import services as people
from ...timeutil import today, utcnow
from ..models import AssistanceRequest
from ..vocabulary import CATEGORIES, METHODS
from .balances import Balance, balance
from .common import SUBJECT, AssistanceRefused, may_ask_for, may_decide


def get(request_id: int) -> AssistanceRequest | None:
    return db.session.get(AssistanceRequest, request_id)


def may_see(user, request: AssistanceRequest, person) -> bool:
    """The person's case team and admins see a request."""
    return may_ask_for(user, person) or (may_decide(user) and person is not None)


def open_form(person, user) -> bool:
    """The form to ask for assistance names the person: only for their case team and admins, and
    audited like every page that shows them."""
    if not may_ask_for(user, person):
        return False
    audit.record("assistance.form", "person", person.id, actor=user)
    db.session.commit()
    return True


def ask(person, data: dict, by) -> AssistanceRequest:
    """A coordinator on the case (or an admin) asks for assistance for a person."""
    if not may_ask_for(by, person):
        raise AssistanceRefused(_l("Only the person's case team can ask for assistance for them."))
    if data["category"] not in CATEGORIES:
        raise AssistanceRefused(_l("Choose what the assistance is for."), field="category")
    if not 0 < data["amount_cents"] <= to_cents(MAX_AMOUNT):
        raise AssistanceRefused(_l("Enter an amount above zero and within the limit."), field="amount")
    if not any(f.id == data["fund_id"] and f.active for f in giving.funds()):
        raise AssistanceRefused(_l("Choose a fund."), field="fund_id")
    request = AssistanceRequest(
        person_id=person.id,
        fund_id=data["fund_id"],
        category=data["category"],
        amount_cents=data["amount_cents"],
        reason=data["reason"],
        status="requested",
        requested_by_id=by.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "assistance.requested",
        SUBJECT,
        request.id,
        actor=by,
        person_id=person.id,
        category=request.category,
        amount_cents=request.amount_cents,
        fund_id=request.fund_id,
    )
    db.session.commit()
    return request


@dataclass
class RequestPage:
    request: AssistanceRequest
    person: Any  # the people domain's Person
    balance: Balance  # the fund's balance, shown before anyone approves
    may_decide: bool  # an admin who did not ask
    may_pay: bool


def view(request: AssistanceRequest, user) -> RequestPage | None:
    """The request as the case team or an admin sees it (the reason included); audited. None for
    anyone else."""
    person = people.get(request.person_id)
    if not may_see(user, request, person):
        return None
    audit.record("assistance.viewed", SUBJECT, request.id, actor=user)
    db.session.commit()
    return RequestPage(
        request=request,
        person=person,
        balance=balance(request.fund_id),
        may_decide=may_decide(user) and request.status == "requested" and request.requested_by_id != user.id,
        may_pay=may_decide(user) and request.status == "approved",
    )


def _locked(request: AssistanceRequest) -> AssistanceRequest:
    """Lock the request's fund, then the request itself, and read both afresh: decisions that spend
    from one fund happen one after the other, and a request is decided once."""
    giving.lock_fund(request.fund_id)
    query = select(AssistanceRequest).where(AssistanceRequest.id == request.id).with_for_update(of=AssistanceRequest)
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def decide(
    request: AssistanceRequest,
    by,
    approve: bool,
    note: str | None = None,
    override: bool = False,
    override_reason: str | None = None,
) -> AssistanceRequest:
    """An admin approves or declines a request. Nobody decides a request they made, admins included.
    Approving more than the fund has left to approve takes an explicit override with a reason."""
    if not may_decide(by):
        raise AssistanceRefused(_l("Only an admin approves or declines assistance."))
    if request.requested_by_id == by.id:
        raise AssistanceRefused(_l("You asked for this assistance, so another admin must decide it."))
    request = _locked(request)
    if request.status != "requested":
        raise AssistanceRefused(_l("This request was already decided."))
    over = False
    left = balance(request.fund_id)
    if approve and request.amount_cents > left.available_cents:
        if not override:
            raise AssistanceRefused(
                _l(
                    "The fund has %(left)s left to approve, less than %(amount)s. To approve it anyway, "
                    "tick the override and say why.",
                    left=money(left.available_cents),
                    amount=money(request.amount_cents),
                ),
                field="override",
            )
        if not (override_reason or "").strip():
            raise AssistanceRefused(_l("Say why the fund may spend more than it holds."), field="override_reason")
        over = True
    request.status = "approved" if approve else "declined"
    request.decided_by_id, request.decided_at = by.id, utcnow()
    request.decision_note = (note or "").strip() or None
    request.over_balance = over
    request.override_reason = override_reason.strip() if over and override_reason else None
    audit.record(
        "assistance.approved" if approve else "assistance.declined",
        SUBJECT,
        request.id,
        actor=by,
        amount_cents=request.amount_cents,
        fund_id=request.fund_id,
        available_cents=left.available_cents,
        over_balance=over,
    )
    db.session.commit()
    return request


def pay(request: AssistanceRequest, by, paid_on: dt.date, method: str, receipt=None) -> AssistanceRequest:
    """Record that an approved request was paid (when, and how). ``receipt``, an upload, is kept as
    a document (kind "receipt") of the request's person's case file, in the same commit as the
    payment: a refused file leaves the request unpaid, a refused payment stores no file."""
    if not may_decide(by):
        raise AssistanceRefused(_l("Only an admin records a payment."))
    request = _locked(request)
    if request.status != "approved":
        raise AssistanceRefused(_l("Only an approved request that was not paid yet can be paid."))
    if method not in METHODS:
        raise AssistanceRefused(_l("Choose how it was paid."), field="method")
    if paid_on > today():
        raise AssistanceRefused(_l("The payment date cannot be in the future."), field="paid_on")
    if receipt is None:
        _paid(request, by, paid_on, method, receipt_document_id=None)
        db.session.commit()
        return request
    description = _l(
        "Receipt of emergency assistance no. %(number)s: %(category)s, %(amount)s",
        number=request.id,
        category=CATEGORIES[request.category],
        amount=money(request.amount_cents),
    )
    person = people.get(request.person_id)
    assert person is not None  # the foreign key keeps the request's person
    try:
        with people.filing(person, receipt, "receipt", on=paid_on, description=str(description), by=by) as document:
            _paid(request, by, paid_on, method, receipt_document_id=document.id)
    except people.DocumentRefused as refusal:
        db.session.rollback()  # the fund and the request are let go, unpaid
        raise AssistanceRefused(*refusal.messages, field="receipt") from None
    return request


def _paid(request: AssistanceRequest, by, paid_on: dt.date, method: str, receipt_document_id: int | None) -> None:
    request.status, request.paid_on, request.method, request.paid_by_id = "paid", paid_on, method, by.id
    request.receipt_document_id = receipt_document_id
    audit.record(
        "assistance.paid",
        SUBJECT,
        request.id,
        actor=by,
        paid_on=paid_on.isoformat(),
        method=method,
        amount_cents=request.amount_cents,
        receipt_document_id=receipt_document_id,
    )


@dataclass
class ListRow:
    request: AssistanceRequest
    person: Any


def listing(user, status: str | None = None) -> list[ListRow]:
    """The requests of the people the user sees in full (admins: all), newest first; with
    ``status``, only those in it ("approved": approved but not paid). Audited; a fixed number of
    queries whatever the number of requests."""
    query = (
        select(AssistanceRequest)
        .where(AssistanceRequest.person_id.in_(people.full_view_ids(user)))
        .order_by(AssistanceRequest.requested_at.desc(), AssistanceRequest.id.desc())
    )
    if status is not None:
        query = query.where(AssistanceRequest.status == status)
    found = list(db.session.scalars(query))
    persons = people.get_many(r.person_id for r in found)
    audit.record_each("assistance.listed", SUBJECT, [r.id for r in found], actor=user, status=status or "")
    db.session.commit()
    return [ListRow(r, persons.get(r.person_id)) for r in found]
