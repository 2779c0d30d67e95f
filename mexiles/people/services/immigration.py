"""The immigration case beside the person: its stage, who represents them, where it is heard,
detention, hearings and ICE check-ins. Every change is audited with what changed (field names, and
the codes before and after; never the protected values) and moves the deadlines derived from it."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...extensions import db
from ..models import CaseDate, Detention, ImmigrationCase, Person
from . import deadlines
from .common import SUBJECT, CaseFileRefused

CASE_FIELDS = (
    "stage",
    "a_number",
    "attorney",
    "court",
    "hearing_location",
    "credible_fear_on",
    "parole_requested_on",
    "parole_decision",
    "parole_decided_on",
    "removal_proceedings_on",
    "i589_filed_on",
    "decision",
    "decision_on",
    "appeal_filed_on",
    "appeal_decided_on",
    "other_relief",
)
# Codes, not protected values: the audit trail keeps them before and after.
CODE_FIELDS = ("stage", "parole_decision", "decision")
DETENTION_FIELDS = ("facility", "from_on", "to_on", "released_how")
A_NUMBER = re.compile(r"^[0-9]{8,9}$")


def clean_a_number(text: str | None) -> str | None:
    """An A-number as digits only: "A 123-456-789" -> "123456789"; None when nothing was given."""
    if not text or not text.strip():
        return None
    cleaned = re.sub(r"[\s\-.]", "", text.strip())
    return cleaned[1:] if cleaned[:1] in ("A", "a") else cleaned


def case_of(person: Person) -> ImmigrationCase | None:
    return db.session.get(ImmigrationCase, person.id)


def save_case(person: Person, data: dict, by) -> list[str]:
    """Create or change the person's immigration case; returns the names of the fields changed."""
    data = {k: data.get(k) for k in CASE_FIELDS if k in data}
    if "a_number" in data:
        data["a_number"] = clean_a_number(data["a_number"])
        if data["a_number"] and not A_NUMBER.match(data["a_number"]):
            raise CaseFileRefused(_l("An A-number has 8 or 9 digits."))
    if bool(data.get("decision")) != bool(data.get("decision_on")):
        raise CaseFileRefused(_l("Give both the decision and its date, or neither."))
    case = case_of(person)
    created = case is None
    if created:
        case = ImmigrationCase(person_id=person.id)
        data["stage"] = data.get("stage") or "arrived"
        db.session.add(case)
    changed = [k for k in CASE_FIELDS if k in data and getattr(case, k) != data[k]]
    codes = {k: [getattr(case, k), data[k]] for k in changed if k in CODE_FIELDS}
    for key in changed:
        setattr(case, key, data[key])
    if changed or created:
        try:
            db.session.flush()
        except IntegrityError:
            # Someone else opened the case, or moved its deadlines, at the same moment.
            db.session.rollback()
            raise CaseFileRefused(
                _l("Someone else saved this case at the same moment. Look at it again, then save your changes.")
            ) from None
        audit.record(
            "immigration.create" if created else "immigration.update", SUBJECT, person.id, fields=changed, codes=codes
        )
        deadlines.recompute(person, case)
    db.session.commit()
    return changed


def view(person: Person) -> None:
    audit.record("immigration.view", SUBJECT, person.id)
    db.session.commit()


# --- Detention -----------------------------------------------------------------------------


def detentions_of(person: Person) -> list[Detention]:
    return list(
        db.session.scalars(
            select(Detention)
            .where(Detention.person_id == person.id)
            .order_by(Detention.from_on.desc().nulls_last(), Detention.id.desc())
        )
    )


def get_detention(person: Person, detention_id: int) -> Detention | None:
    return db.session.scalar(select(Detention).where(Detention.id == detention_id, Detention.person_id == person.id))


def save_detention(person: Person, data: dict, by, detention: Detention | None = None) -> Detention:
    if data.get("to_on") and data.get("from_on") and data["to_on"] < data["from_on"]:
        raise CaseFileRefused(_l("The release date is before the first day in detention."))
    if data.get("released_how") and not data.get("to_on"):
        raise CaseFileRefused(_l("Give the date of release."))
    created = detention is None
    if detention is None:
        detention = Detention(person_id=person.id)
        db.session.add(detention)
    changed = [k for k in DETENTION_FIELDS if getattr(detention, k) != data.get(k)]
    codes = {"released_how": [detention.released_how, data.get("released_how")]} if "released_how" in changed else {}
    for key in DETENTION_FIELDS:
        setattr(detention, key, data.get(key))
    db.session.flush()
    audit.record(
        "detention.create" if created else "detention.update",
        SUBJECT,
        person.id,
        detention=detention.id,
        fields=changed,
        codes=codes,
    )
    db.session.commit()
    return detention


# --- Hearings and ICE check-ins ------------------------------------------------------------


def dates_of(person: Person) -> list[CaseDate]:
    dates = db.session.scalars(select(CaseDate).where(CaseDate.person_id == person.id))
    return sorted(dates, key=lambda d: (d.day, d.time_of_day or dt.time.min, d.id))


def add_date(person: Person, data: dict, by) -> CaseDate:
    date = CaseDate(person_id=person.id, kind=data["kind"], day=data["day"], time_of_day=data.get("time_of_day"))
    db.session.add(date)
    db.session.flush()
    audit.record("case_date.create", SUBJECT, person.id, kind=date.kind, case_date=date.id)
    deadlines.recompute(person, case_of(person))
    db.session.commit()
    return date


def remove_date(person: Person, date_id: int, by) -> None:
    """A hearing or check-in called off (a rescheduled one is removed and added again)."""
    date = db.session.scalar(select(CaseDate).where(CaseDate.id == date_id, CaseDate.person_id == person.id))
    if date is None:
        raise CaseFileRefused(_l("That date is not in this case file."))
    deadlines.forget_date(date)
    db.session.delete(date)
    audit.record("case_date.remove", SUBJECT, person.id, kind=date.kind, case_date=date_id)
    db.session.commit()
