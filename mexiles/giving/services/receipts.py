"""Receipts and statements: an email in the donor's language with a PDF that meets US 501(c)(3) rules.

The PDF uses fpdf2's built-in Helvetica, so nothing but PyPI is needed; that font covers Latin-1,
which holds all of Spanish. Anything outside it (a name in another script) is transliterated or
replaced rather than failing the receipt.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from sqlalchemy import select

from ... import mail
from ...extensions import db
from ...jobs import services as jobs
from ...money import money
from ...timeutil import local_date, utcnow
from ..models import Donor, Gift
from . import localtime


def receipt_number(gift: Gift) -> str:
    return f"G-{gift.id:07d}"


def _latin1(text: str) -> str:
    text = str(text).replace("\u2014", "-").replace("\u2013", "-").replace("\u2019", "'")
    if text.encode("latin-1", "ignore").decode("latin-1") == text:
        return text
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return plain.encode("latin-1", "replace").decode("latin-1")


def legal_lines() -> list[str]:
    config = current_app.config
    lines = [
        _(
            "%(org)s is a tax-exempt organization under section 501(c)(3) of the Internal Revenue Code.",
            org=config["ORG_NAME"],
        )
    ]
    if config["ORG_EIN"]:
        lines.append(_("Federal tax ID (EIN): %(ein)s", ein=config["ORG_EIN"]))
    lines.append(_("No goods or services were provided in exchange for this contribution."))
    return lines


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="Letter")
        self.set_margins(20, 20, 20)
        self.add_page()
        config = current_app.config
        self.set_font("helvetica", "B", 16)
        self.cell(0, 10, _latin1(config["ORG_NAME"]), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", size=10)
        if config["ORG_ADDRESS"]:
            self.multi_cell(0, 5, _latin1(config["ORG_ADDRESS"]), new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_font("helvetica", "B", 13)
        self.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", size=11)

    def line_of(self, text: str, bold: bool = False) -> None:
        self.set_font("helvetica", "B" if bold else "", 11)
        self.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def legal(self) -> None:
        self.ln(4)
        for line in legal_lines():
            self.line_of(line)

    def bytes(self) -> bytes:
        return bytes(self.output())


def _gift_facts(gift: Gift) -> list[tuple[str, str]]:
    facts = [(_("Receipt number"), receipt_number(gift)), (_("Date of the gift"), local_date(gift.received_at, "long"))]
    if gift.source == "in_kind":
        # The donor values goods given; the receipt describes them and states no dollar amount.
        facts.append((_("Description of the in-kind gift"), gift.description or ""))
    else:
        facts.append((_("Amount"), money(gift.amount_cents, gift.currency)))
        if gift.taken_back_cents >= gift.amount_cents:
            facts.append((_("Refunded"), _("in full: this gift is no longer a deductible contribution")))
        elif gift.taken_back_cents:
            facts.append(
                (
                    _("Refunded"),
                    _(
                        "%(refunded)s; the deductible amount is %(left)s",
                        refunded=money(gift.taken_back_cents, gift.currency),
                        left=money(deductible_cents(gift), gift.currency),
                    ),
                )
            )
    facts.append((_("Designated to"), gift.fund.name(_locale())))
    if gift.campaign:
        facts.append((_("Campaign"), gift.campaign.title(_locale())))
    if gift.tribute_kind and gift.tribute_name:
        label = _("In honor of") if gift.tribute_kind == "honor" else _("In memory of")
        facts.append((label, gift.tribute_name))
    if gift.recurring_gift_id:
        facts.append((_("Kind"), _("Monthly gift")))
    return facts


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def receipt_pdf(gift: Gift) -> bytes:
    document = _Document(_("Donation receipt"))
    document.line_of(_("Donor: %(name)s", name=gift.receipt_name))
    if gift.receipt_address:
        document.line_of(gift.receipt_address)
    document.ln(3)
    for label, value in _gift_facts(gift):
        document.line_of(f"{label}: {value}")
    document.legal()
    return document.bytes()


def deductible_cents(gift: Gift) -> int:
    """What the donor kept given: refunds and lost disputes are taken off. In-kind gifts carry no
    amount on receipts (the donor values them)."""
    if gift.source == "in_kind":
        return 0
    return max(0, gift.amount_cents - gift.taken_back_cents)


def statement_gifts(donor: Donor, since: dt.date, until: dt.date) -> list[Gift]:
    """The donor's counted gifts on the local days ``since`` to ``until``."""
    start, end = localtime.bounds(since, until)
    return list(
        db.session.scalars(
            select(Gift)
            .where(
                Gift.donor_id == donor.id, Gift.status == "succeeded", Gift.received_at >= start, Gift.received_at < end
            )
            .order_by(Gift.received_at, Gift.id)
        )
    )


def statement_pdf(donor: Donor, since: dt.date, until: dt.date, gifts: list[Gift]) -> bytes:
    document = _Document(
        _(
            "Statement of gifts, %(since)s to %(until)s",
            since=local_date(since, "long"),
            until=local_date(until, "long"),
        )
    )
    document.line_of(_("Donor: %(name)s", name=donor.display_name))
    if donor.address:
        document.line_of(donor.address)
    document.ln(3)
    for gift in gifts:
        # The deductible amount is what the donor kept given: refunds are taken off.
        value = (
            _("In kind: %(description)s", description=gift.description or "")
            if gift.source == "in_kind"
            else money(deductible_cents(gift), gift.currency)
        )
        document.line_of(
            f"{local_date(gift.received_at, 'long')}   {receipt_number(gift)}   {value}   {gift.fund.name(_locale())}"
        )
    total = sum(deductible_cents(g) for g in gifts)
    document.ln(2)
    document.line_of(_("Total: %(total)s", total=money(total)), bold=True)
    document.legal()
    return document.bytes()


def portal_link() -> str:
    return url_for("giving.portal_signin_request", _external=True)


RECEIPT = "giving.receipt"
STATEMENT = "giving.statement"


def receipt_key(gift: Gift) -> str:
    return f"{RECEIPT}:{gift.id}"


def queue_receipt(gift: Gift) -> bool:
    """Put the gift's receipt (and any tribute notice) in the outbox, in the transaction that records
    the gift. The text is written now, in the donor's language; the PDF is made by the worker,
    which records the receipt as sent once the mail server accepted it. Once per gift."""
    if gift.receipt_sent_at is not None:
        return False
    queued = jobs.enqueue(RECEIPT, _receipt_payload(gift), key=receipt_key(gift)) is not None
    if queued:
        _queue_tribute_notice(gift)
    return queued


def _receipt_payload(gift: Gift) -> dict:
    donor = gift.donor
    with force_locale(donor.locale):
        facts, legal = _gift_facts(gift), legal_lines()
    subject, body = mail.render(
        _l("Your receipt from %(org)s", org=current_app.config["ORG_NAME"]),
        "giving/email/receipt.txt",
        donor.locale,
        donor=donor,
        name=gift.receipt_name,
        gift=gift,
        facts=facts,
        legal=legal,
        link=portal_link(),
    )
    return {"gift_id": gift.id, "to": donor.email_key, "subject": subject, "body": body}


@jobs.handler(RECEIPT)
def _deliver_receipt(payload: dict) -> None:
    gift = db.session.get(Gift, payload["gift_id"])
    if gift is None or gift.receipt_sent_at is not None:
        return  # gone, or sent by an earlier delivery of this job
    with force_locale(gift.donor.locale):
        pdf = receipt_pdf(gift)
    mail.deliver(
        payload["to"],
        payload["subject"],
        payload["body"],
        [(f"receipt-{receipt_number(gift)}.pdf", pdf, "application/pdf")],
    )
    gift.receipt_sent_at = utcnow()  # committed with the job: sent exactly when SMTP took it


def resend_missing() -> list[int]:
    """Make every paid gift without a sent receipt have its receipt due in the outbox now: queued
    if it never was, tried again now if it waits for a retry or was given up. Returns the job ids;
    the caller commits. A receipt job marks its gift, so none is sent twice."""
    missing = list(
        db.session.scalars(
            select(Gift).where(Gift.status == "succeeded", Gift.receipt_sent_at.is_(None)).order_by(Gift.id)
        )
    )
    now, due = utcnow(), []
    for gift in missing:
        job = jobs.by_key(receipt_key(gift))
        if job is None:
            queue_receipt(gift)
            job = jobs.by_key(receipt_key(gift))
            if job is None:  # queue_receipt adds it, as the gift has no receipt sent
                raise ValueError(f"the receipt of gift {gift.id} was not queued")
        elif job.status != "pending" or job.run_after > now:
            job.payload = _receipt_payload(gift)  # written anew: a delivered job keeps no content
            jobs.make_due(job)
        due.append(job.id)
    return due


def _queue_tribute_notice(gift: Gift) -> None:
    if not (gift.tribute_kind and gift.tribute_notify_email and gift.tribute_name):
        return
    mail.send(
        gift.tribute_notify_email,
        _l("A gift was made in tribute"),
        "giving/email/tribute.txt",
        key=f"giving.tribute:{gift.id}",
        locale=gift.donor.locale,
        gift=gift,
        giver=_("An anonymous donor") if gift.anonymous else gift.receipt_name,
    )


def queue_statement(donor: Donor, since: dt.date, until: dt.date):
    """Put the donor's statement for the period in the outbox (the worker makes its PDF); once per
    donor and period. Returns the job's id, or None if there is nothing to state or it was queued before."""
    gifts = statement_gifts(donor, since, until)
    if not gifts:
        return None
    with force_locale(donor.locale):
        legal = legal_lines()
    subject, body = mail.render(
        _l("Your statement of gifts to %(org)s", org=current_app.config["ORG_NAME"]),
        "giving/email/statement.txt",
        donor.locale,
        donor=donor,
        since=since,
        until=until,
        count=len(gifts),
        total=sum(deductible_cents(g) for g in gifts),
        legal=legal,
    )
    return jobs.enqueue(
        STATEMENT,
        {
            "donor_id": donor.id,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "to": donor.email_key,
            "subject": subject,
            "body": body,
        },
        key=f"{STATEMENT}:{donor.id}:{since.isoformat()}:{until.isoformat()}",
    )


@jobs.handler(STATEMENT)
def _deliver_statement(payload: dict) -> None:
    donor = db.session.get_one(Donor, payload["donor_id"])
    since, until = dt.date.fromisoformat(payload["since"]), dt.date.fromisoformat(payload["until"])
    with force_locale(donor.locale):
        pdf = statement_pdf(donor, since, until, statement_gifts(donor, since, until))
    mail.deliver(
        payload["to"],
        payload["subject"],
        payload["body"],
        [(f"statement-{since.isoformat()}-{until.isoformat()}.pdf", pdf, "application/pdf")],
    )


def donors_who_gave(since: dt.date, until: dt.date) -> list[Donor]:
    start, end = localtime.bounds(since, until)
    ids = (
        select(Gift.donor_id)
        .where(Gift.status == "succeeded", Gift.received_at >= start, Gift.received_at < end)
        .distinct()
    )
    return list(db.session.scalars(select(Donor).where(Donor.id.in_(ids)).order_by(Donor.id)))


def queue_card_failed(gift: Gift, link: str) -> None:
    donor = gift.donor
    mail.send(
        donor.email_key,
        _l("Your monthly gift could not be charged"),
        "giving/email/card_failed.txt",
        key=f"giving.card_failed:{gift.id}",
        locale=donor.locale,
        donor=donor,
        gift=gift,
        amount=money(gift.amount_cents, gift.currency),
        link=link,
    )
