"""How a referral moves, in one table, and every change to an existing referral.

Each change records who took it and when (a ReferralEvent), is audited, and keeps the follow-up
date honest: an open referral always has one, an ended referral has an outcome instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ... import mail
from ...access import Role
from ...audit import services as audit
from ...extensions import db
from ...timeutil import from_local, org_zone, today, utcnow
from ..models import Appointment, Referral, ReferralEvent
from ..vocabulary import CLOSURE_REASONS, FAILURE_REASONS, STATUSES
from .common import SUBJECT, CareError, refusals_roll_back
from .directory import usual_cost_cents

# The only steps a referral may take. The open states are the keys; every other status is an end.
TRANSITIONS = {
    "new": ("sent", "closed"),
    "sent": ("accepted", "declined", "closed"),
    "accepted": ("intake_scheduled", "closed"),
    "intake_scheduled": ("in_care", "closed"),
    "in_care": ("completed", "closed"),
}
OPEN = frozenset(TRANSITIONS)
ENDED = frozenset(STATUSES) - OPEN
# Steps only the case team takes; the provider's counselor may take all the others.
TEAM_ONLY = frozenset({"sent"})
# Steps that need an outcome (whether the person got care, and why not).
NEEDS_OUTCOME = frozenset({"declined", "closed"})
# Steps taken by recording an appointment, never by a button: the intake's date, then the intake held.
BY_APPOINTMENT = {
    "intake_scheduled": _l("Schedule the intake with its date and time."),
    "in_care": _l("Record the intake as held: the person is then in care."),
}
# How soon someone looks again at an open referral after it moves.
FOLLOW_UP_DAYS = {"crisis": 1, "urgent": 3, "routine": 7}
# Which appointments fit which status.
APPOINTMENT_STATUSES = {"intake": ("accepted", "intake_scheduled"), "session": ("in_care",)}


@dataclass
class ReferralAccess:
    """A referral as one user may handle it: as its case team, or as the provider's counselor."""

    referral: Referral
    person: Any  # the people domain's Person (None: the user may not handle it); not in its public API
    team: bool


@dataclass
class Outcome:
    succeeded: bool | None = None
    failure_reason: str | None = None
    closure_reason: str | None = None


def next_steps(access: ReferralAccess) -> list[str]:
    """The steps this user may take now, in the table's order."""
    steps = TRANSITIONS.get(access.referral.status, ())
    return [s for s in steps if access.team or s not in TEAM_ONLY]


def default_follow_up(urgency: str) -> dt.date:
    return today() + dt.timedelta(days=FOLLOW_UP_DAYS[urgency])


def _refuse_step(referral: Referral, to: str) -> CareError:
    return CareError(
        _l(
            "A referral that is “%(current)s” cannot become “%(wanted)s”.",
            current=STATUSES[referral.status],
            wanted=STATUSES.get(to, to),
        )
    )


def check_step(access: ReferralAccess, to: str) -> None:
    """Refuse a step the table or the user's part does not allow (before anything else is asked)."""
    if to not in TRANSITIONS.get(access.referral.status, ()):
        raise _refuse_step(access.referral, to)
    if to in TEAM_ONLY and not access.team:
        raise CareError(_l("Only the person's case team can take this step."))


def may_have_got_care(referral: Referral, ending: str) -> bool:
    """Whether ending the referral this way can say the person got care: never when the provider
    declined, and only once at least one appointment took place."""
    return ending != "declined" and referral.sessions_held > 0


def appointments_on_record(referral: Referral) -> str:
    """What the close box can say of the referral's appointments: "none" made, one or more still
    "unrecorded" (held or missed, no one said yet), or every one "missed"; "held" once one was."""
    if referral.sessions_held:
        return "held"
    if not referral.appointments:
        return "none"
    return "unrecorded" if any(a.held is None for a in referral.appointments) else "missed"


def sessions_beyond_intake(referral: Referral) -> int:
    return sum(1 for a in referral.appointments if a.held and a.kind == "session")


@refusals_roll_back
def move(access: ReferralAccess, to: str, by, outcome: Outcome | None = None) -> None:
    """Take one step along TRANSITIONS, or refuse it with a message for the user."""
    referral = access.referral
    check_step(access, to)
    if to == "sent":
        _check_consent(access)
    elif to in BY_APPOINTMENT:
        raise CareError(BY_APPOINTMENT[to])
    elif to == "completed":
        if not sessions_beyond_intake(referral):
            raise CareError(
                _l("Record at least one session held after the intake before marking the referral completed.")
            )
        _set_outcome(referral, to, Outcome(succeeded=True))
    elif to in NEEDS_OUTCOME:
        _set_outcome(referral, to, outcome or Outcome())
    _step(referral, to, by)
    if to == "sent":
        _tell_the_practice(referral)
    db.session.commit()


def _tell_the_practice(referral: Referral) -> None:
    """Mail the practice's contact (from the directory) that a referral waits: its number, its
    urgency and where to sign in; never who the person is (their name, their address), which the
    counselor reads after signing in. In English, unless the practice works in Spanish only."""
    provider = referral.provider
    if not provider.contact_email:
        return
    languages = provider.languages
    mail.send(
        provider.contact_email,
        _l("A new counseling referral for your practice"),
        "care/email/referral_sent.txt",
        key=f"care.sent:{referral.id}",
        locale="es" if "es" in languages and "en" not in languages else "en",
        referral=referral,
        link=mail.link("care.counsel_detail", referral_id=referral.id),  # None: the mail says sign in
    )
    audit.record("referral.practice_told", SUBJECT, referral.id, provider=provider.id)


def _check_consent(access: ReferralAccess) -> None:
    referral = access.referral
    if not referral.provider.active:
        raise CareError(_l("This provider is no longer active. Refer the person to another provider."))
    if access.person.has_consent("counseling"):
        referral.consent_basis = "recorded"
    elif referral.consent_override_reason:
        referral.consent_basis = "override"
    else:
        raise CareError(
            _l(
                "The person has not consented to share their details with counseling providers. "
                "Record their consent on their record, or ask an admin to record an override."
            )
        )


def _set_outcome(referral: Referral, to: str, outcome: Outcome) -> None:
    if may_have_got_care(referral, to):
        if outcome.succeeded is None:
            raise CareError(_l("Say whether the person got care."))
        succeeded = outcome.succeeded
    elif outcome.succeeded:
        raise CareError(
            _l(
                "The person got care through this referral only if at least one appointment took "
                "place. Record it first, or say why they did not get care."
            )
        )
    else:
        succeeded = False  # declined, or no appointment took place: no care came of it
    if not succeeded and outcome.failure_reason not in FAILURE_REASONS:
        raise CareError(_l("Say why the person did not get care."))
    if to == "closed" and outcome.closure_reason not in CLOSURE_REASONS:
        raise CareError(_l("Say why the referral is closed."))
    referral.succeeded = succeeded
    referral.failure_reason = None if succeeded else outcome.failure_reason
    referral.closure_reason = outcome.closure_reason if to == "closed" else None


def _step(referral: Referral, to: str, by) -> None:
    """Change the status, and record who did it and when (and, for an end, the outcome's codes)."""
    before = referral.status
    referral.status = to
    referral.status_changed_at = utcnow()
    if to == "sent":
        referral.sent_at = referral.status_changed_at
    outcome = {}
    if to in OPEN:
        referral.follow_up_on = max(referral.follow_up_on or today(), default_follow_up(referral.urgency))
    else:
        referral.follow_up_on = None
        outcome = dict(
            succeeded=referral.succeeded, failure_reason=referral.failure_reason, closure_reason=referral.closure_reason
        )
    _event(referral, "step", by, before, to)
    audit.record("referral.step", SUBJECT, referral.id, actor=by, from_status=before, to_status=to, **outcome)


def _event(referral: Referral, action: str, by, before: str | None = None, after: str | None = None) -> None:
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            action=action,
            from_status=before,
            to_status=after,
            actor_id=by.id,
            occurred_at=utcnow(),
        )
    )


# --- Appointments and sessions -------------------------------------------------------------


def takes_appointments(status: str) -> bool:
    return any(status in statuses for statuses in APPOINTMENT_STATUSES.values())


def next_appointment_kind(status: str) -> str:
    """The appointment a referral in this status waits for: its intake, or further sessions."""
    return "intake" if status in APPOINTMENT_STATUSES["intake"] else "session"


@refusals_roll_back
def schedule(access: ReferralAccess, kind: str, day: dt.date, time: dt.time, held: bool | None, by) -> Appointment:
    """Add an intake or a session; ``held`` True/False records at once whether it took place."""
    referral = access.referral
    if referral.status not in APPOINTMENT_STATUSES.get(kind, ()):
        if kind == "intake":
            raise CareError(_l("An intake can be scheduled once the provider has accepted the referral."))
        raise CareError(_l("Sessions can be recorded once the person is in care (after the intake)."))
    starts_at = from_local(day, time)
    if held is not None and starts_at > utcnow():
        raise CareError(_l("An appointment in the future cannot have taken place yet."))
    appointment = Appointment(kind=kind, starts_at=starts_at, time_zone=org_zone().key, recorded_by_id=by.id)
    referral.appointments.append(appointment)
    db.session.flush()
    _event(referral, "appointment_scheduled", by)
    audit.record("referral.appointment", SUBJECT, referral.id, actor=by, appointment_id=appointment.id, kind=kind)
    if kind == "intake" and referral.status == "accepted":
        _step(referral, "intake_scheduled", by)
    if held is None:
        # Ask the day after whether it happened.
        referral.follow_up_on = max(referral.follow_up_on or today(), day + dt.timedelta(days=1))
    else:
        _attendance(referral, appointment, held, by)
    db.session.commit()
    return appointment


@refusals_roll_back
def record_attendance(access: ReferralAccess, appointment_id: int, held: bool, by) -> Appointment | None:
    """Say whether an appointment took place; None when the referral has no such appointment."""
    referral = access.referral
    appointment = next((a for a in referral.appointments if a.id == appointment_id), None)
    if appointment is None:
        return None
    if referral.status not in OPEN:
        raise CareError(_l("This referral has ended; its appointments can no longer change."))
    if appointment.held is not None:
        raise CareError(_l("Whether this appointment took place is already recorded."))
    if appointment.starts_at > utcnow():
        raise CareError(_l("An appointment in the future cannot have taken place yet."))
    _attendance(referral, appointment, held, by)
    db.session.commit()
    return appointment


def _attendance(referral: Referral, appointment: Appointment, held: bool, by) -> None:
    appointment.held = held
    if held:
        # The cost is fixed now: a later change of the referral's rate does not rewrite the past.
        appointment.cost_cents = referral.cost_per_session_cents
        appointment.paid_by_org = bool(referral.org_pays and referral.cost_per_session_cents)
    _event(referral, "appointment_held" if held else "appointment_missed", by)
    audit.record("referral.attendance", SUBJECT, referral.id, actor=by, appointment_id=appointment.id, held=held)
    if held and referral.status == "intake_scheduled":
        _step(referral, "in_care", by)
    elif held and referral.status in OPEN:
        # Care is happening: the next look is one usual interval from today, not a date now past.
        referral.follow_up_on = max(referral.follow_up_on or today(), default_follow_up(referral.urgency))


# --- What only the case team changes -------------------------------------------------------


def _team_only(access: ReferralAccess) -> None:
    if not access.team:
        raise CareError(_l("Only the person's case team can change this."))


@refusals_roll_back
def set_follow_up(access: ReferralAccess, day: dt.date, by) -> None:
    _team_only(access)
    referral = access.referral
    if referral.status not in OPEN:
        raise CareError(_l("This referral has ended; it needs no follow-up."))
    if day < today():
        raise CareError(_l("Choose today or a later date."))
    referral.follow_up_on = day
    _event(referral, "follow_up_set", by)
    audit.record("referral.follow_up", SUBJECT, referral.id, actor=by, on=day.isoformat())
    db.session.commit()


@refusals_roll_back
def set_cost(access: ReferralAccess, cost_cents: int | None, org_pays: bool, by) -> None:
    _team_only(access)
    referral = access.referral
    if cost_cents is None:
        cost_cents = usual_cost_cents(referral.provider)  # emptied: back to the provider's fee
    referral.cost_per_session_cents, referral.org_pays = cost_cents, org_pays
    _event(referral, "cost_set", by)
    audit.record("referral.cost", SUBJECT, referral.id, actor=by, cost_cents=cost_cents, org_pays=org_pays)
    db.session.commit()


@refusals_roll_back
def override_consent(access: ReferralAccess, reason: str, by) -> None:
    """An admin lets a referral go without the person's recorded consent, and says why."""
    referral = access.referral
    if not by.has_role(Role.ADMIN):
        raise CareError(_l("Only an admin can record a consent override."))
    if referral.status != "new":
        raise CareError(_l("This referral was already sent or has ended."))
    if access.person.has_consent("counseling"):
        raise CareError(_l("The person's consent is recorded; no override is needed."))
    referral.consent_override_reason = reason
    referral.consent_override_by_id = by.id
    referral.consent_override_at = utcnow()
    _event(referral, "consent_override", by)
    audit.record("referral.consent_override", SUBJECT, referral.id, actor=by)
    db.session.commit()
