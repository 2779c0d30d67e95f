"""Appeals: a letter staff write in both languages to a group of donors, sent through the outbox.

Only donors who opted in on the donate form get appeals, never one who unsubscribed or whose
address bounced (receipts are not appeals: they always go). Each message is its own job, keyed by
appeal and donor, so that sending an appeal again reaches only those it has not reached. Every
message carries a one-click unsubscribe (RFC 8058) that needs no sign-in: a signed link naming the
donor, which a POST follows at once (mail programs do) and a GET asks to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, exists, func, select

from ... import mail, timeutil
from ...audit import services as audit
from ...extensions import db
from ...refusals import Refusal
from ..models import APPEAL_SEGMENTS, Appeal, Donor, Gift, RecurringGift
from . import donors as donor_records
from .gifts import COUNTED
from .reports import _window

TEMPLATE = "giving/email/appeal.txt"
PAGE_SIZE = 50


class AppealError(Refusal):
    pass


def create(data: dict, actor) -> Appeal:
    if data["segment"] not in APPEAL_SEGMENTS or (data["segment"] == "fund") != bool(data.get("fund_id")):
        raise AppealError(_l("Choose a fund for an appeal to a fund's donors."))
    appeal = Appeal(**data, created_by_id=actor.id)
    db.session.add(appeal)
    db.session.flush()
    audit.record("appeal.create", "appeal", appeal.id, actor=actor, segment=appeal.segment)
    db.session.commit()
    return appeal


def get(appeal_id: int) -> Appeal | None:
    return db.session.get(Appeal, appeal_id)


def recent(page: int):
    return db.paginate(
        select(Appeal).order_by(Appeal.created_at.desc(), Appeal.id.desc()),
        page=page,
        per_page=PAGE_SIZE,
        error_out=False,
    )


def view(appeal: Appeal, actor) -> None:
    audit.record("appeal.view", "appeal", appeal.id, actor=actor)
    db.session.commit()


def reachable():
    """Donors an appeal may reach: they opted in, did not unsubscribe, their address works."""
    return (Donor.opted_in_at.is_not(None), Donor.unsubscribed_at.is_(None), Donor.bounced_at.is_(None))


def _segment(appeal: Appeal):
    if appeal.segment == "fund":
        return exists().where(Gift.donor_id == Donor.id, COUNTED, Gift.fund_id == appeal.fund_id)
    if appeal.segment == "monthly":
        return exists().where(RecurringGift.donor_id == Donor.id, RecurringGift.status == "active")
    if appeal.segment == "lybunt":
        this_start = _window(timeutil.today().year)[0]
        last_start = _window(timeutil.today().year - 1)[0]
        gave_last = exists().where(
            Gift.donor_id == Donor.id, COUNTED, Gift.received_at >= last_start, Gift.received_at < this_start
        )
        gave_this = exists().where(Gift.donor_id == Donor.id, COUNTED, Gift.received_at >= this_start)
        return gave_last & ~gave_this
    return True  # everyone who opted in


def recipients(appeal: Appeal) -> Select:
    return select(Donor).where(*reachable(), _segment(appeal)).order_by(Donor.id)


@dataclass
class Preview:
    count: int
    by_locale: dict[str, int]
    messages: dict[str, tuple[str, str]]  # locale -> (subject, body) as the donors will read them


def preview(appeal: Appeal, actor) -> Preview:
    """How many donors the appeal reaches, in each language, and its message in each language
    (with an unsubscribe link that names nobody)."""
    counted = dict(
        db.session.execute(
            select(Donor.locale, func.count(Donor.id)).where(*reachable(), _segment(appeal)).group_by(Donor.locale)
        ).all()
    )
    view(appeal, actor)
    messages = {
        locale: mail.render(
            appeal.subject(locale), TEMPLATE, locale, body=appeal.body(locale), unsubscribe_url=_unsubscribe_url("")
        )
        for locale in ("en", "es")
    }
    return Preview(sum(counted.values()), {k: counted.get(k, 0) for k in ("en", "es")}, messages)


def send(appeal: Appeal, actor) -> int:
    """Queue the appeal's message for each donor it reaches and has not reached yet; returns how
    many were queued (none the second time)."""
    queued = 0
    for donor in db.session.scalars(recipients(appeal)):
        url = _unsubscribe_url(token_for(donor))
        queued += mail.send(
            donor.email_key,
            appeal.subject(donor.locale),
            TEMPLATE,
            key=f"giving.appeal:{appeal.id}:{donor.id}",
            locale=donor.locale,
            headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            body=appeal.body(donor.locale),
            unsubscribe_url=url,
        )
    appeal.sent_at = appeal.sent_at or timeutil.utcnow()
    appeal.sent_count += queued
    audit.record("appeal.send", "appeal", appeal.id, actor=actor, queued=queued)
    db.session.commit()
    return queued


# --- Unsubscribing and bounces -----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="giving.unsubscribe")


def token_for(donor: Donor) -> str:
    return _serializer().dumps(donor.id)


def _unsubscribe_url(token: str) -> str:
    # RFC 8058: the one-click address is https; mail programs POST to it.
    return url_for("giving.unsubscribe", token=token or "-", _external=True, _scheme="https")


def donor_for(token: str) -> Donor | None:
    try:
        donor_id = _serializer().loads(token)
    except BadSignature:
        return None
    return donor_records.get(donor_id) if isinstance(donor_id, int) else None


def unsubscribe(token: str) -> bool:
    """Stop appeals to the donor the link names; False when the link names nobody (any more)."""
    donor = donor_for(token)
    if donor is None:
        return False
    if donor.unsubscribed_at is None:
        donor.unsubscribed_at = timeutil.utcnow()
        audit.record("donor.unsubscribe", "donor", donor.id)
    db.session.commit()
    return True


def set_bounced(donor: Donor, bounced: bool, actor=None) -> None:
    """Mail to the donor's address came back (or reaches it again): appeals stop (or may go)."""
    donor.bounced_at = (donor.bounced_at or timeutil.utcnow()) if bounced else None
    audit.record("donor.bounced" if bounced else "donor.bounce_cleared", "donor", donor.id, actor=actor)
    db.session.commit()
