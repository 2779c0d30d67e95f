"""Counseling, as the person's case file tells it: each referral and the steps it took."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...people.services import TimelineEntry
from ..models import Referral
from ..vocabulary import STATUSES


def timeline_for_person(person_id: int, viewer, limit: int) -> list[TimelineEntry]:
    """The person's referrals and their steps, newest first; three queries however many there are.
    The case file asks only for a viewer who sees the person in full, as the referral pages do."""
    referrals = db.session.scalars(
        select(Referral)
        .options(selectinload(Referral.provider), selectinload(Referral.events))
        .where(Referral.person_id == person_id)
        .order_by(Referral.created_at.desc())
        .limit(limit)
    )
    entries = []
    for referral in referrals:
        url = url_for("care.referral_detail", referral_id=referral.id)
        entries.append(
            TimelineEntry(
                referral.created_at,
                _("Counseling"),
                _("Referred to %(provider)s", provider=referral.provider.name),
                url,
            )
        )
        for event in referral.events:
            if event.action == "step" and event.to_status:
                entries.append(
                    TimelineEntry(
                        event.occurred_at,
                        _("Counseling"),
                        _(
                            "%(provider)s: %(status)s",
                            provider=referral.provider.name,
                            status=STATUSES.get(event.to_status, event.to_status),
                        ),
                        url,
                    )
                )
    return entries
