import datetime as dt
import io
from typing import Any

from fpdf import FPDF
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from ..accounts import services as accounts
from ..extensions import db
from ..timeutil import today
from . import services
from .models import Person

# Invented people only: no real name, place of refuge or case.
PEOPLE = (
    dict(
        legal_name="Rosa Elvia Tamayo Ruiz",
        alias="Rosa T.",
        current_city="El Paso",
        state_of_origin="Chihuahua",
        language="es",
        arrival_date=dt.date(2025, 3, 14),
        in_hiding=True,
        consent_date=dt.date(2025, 3, 20),
        consent_scopes=["counseling", "housing"],
        phone="+1 915 555 0101",
        household=[("Mateo Tamayo", "child", 2014), ("Lucía Tamayo", "child", 2017)],
    ),
    dict(
        legal_name="Julián Ortega Salinas",
        alias="El Maestro",
        current_city="Las Cruces",
        state_of_origin="Guerrero",
        language="es",
        arrival_date=dt.date(2024, 11, 2),
        consent_date=dt.date(2024, 11, 10),
        consent_scopes=["counseling", "housing", "media"],
        household=[],
    ),
    dict(
        legal_name="Marisol Benítez Cano",
        alias="Mari",
        current_city="El Paso",
        state_of_origin="Michoacán",
        language="es",
        arrival_date=dt.date(2026, 6, 30),
        consent_date=dt.date(2026, 7, 2),
        consent_scopes=["counseling"],
        household=[("Andrés Cano", "spouse", 1988)],
    ),
    dict(
        legal_name="Tomás Quiroga Leal",
        alias="Don Tomás",
        current_city="Albuquerque",
        state_of_origin="Sinaloa",
        language="es",
        arrival_date=dt.date(2025, 9, 1),
        in_hiding=False,
        household=[],
    ),
    dict(
        legal_name="Ximena Arriaga Pons",
        alias="Xime",
        current_city="El Paso",
        state_of_origin="Tamaulipas",
        language="es",
        arrival_date=dt.date(2026, 1, 19),
        in_hiding=True,
        consent_date=dt.date(2026, 1, 25),
        consent_scopes=["housing"],
        household=[("Iker Arriaga", "child", 2021)],
    ),
    dict(
        legal_name="Héctor Villaseñor Ibarra",
        alias="Héctor V.",
        current_city="Denver",
        state_of_origin="Veracruz",
        language="es",
        arrival_date=dt.date(2023, 5, 5),
        consent_date=dt.date(2023, 6, 1),
        consent_scopes=["counseling", "media"],
        household=[],
    ),
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Person)):
        return []
    carmen = accounts.find_by_email("coordinator@example.org")
    diego = accounts.find_by_email("coordinator2@example.org")
    for index, record in enumerate(PEOPLE):
        data: dict[str, Any] = dict(record)
        household = [{"name": n, "relationship": r, "birth_year": y} for n, r, y in data.pop("household")]
        person = services.create(data, household, by=carmen if index % 2 == 0 else diego)
        if index == 3:
            services.set_team(person, [diego, carmen], by=diego)
        CASES.get(str(record["alias"]), lambda *_: None)(person, carmen if index % 2 == 0 else diego)
    return [
        f"Demo people: {len(PEOPLE)}",
        "Demo case files: Don Tomás (detained, then paroled), Mari (I-589 due in "
        "20 days), Héctor V. (denied, appeal due)",
    ]


# --- Full case files, so that every part of the case page has something to show ---------------


def _detained_then_paroled(person, by):
    services.immigration.save_detention(
        person,
        {
            "facility": "Otero County Processing Center",
            "from_on": dt.date(2025, 9, 2),
            "to_on": dt.date(2025, 10, 20),
            "released_how": "transferred",
        },
        by=by,
    )
    services.immigration.save_detention(
        person,
        {
            "facility": "El Paso Service Processing Center",
            "from_on": dt.date(2025, 10, 20),
            "to_on": dt.date(2025, 12, 5),
            "released_how": "parole",
        },
        by=by,
    )
    services.immigration.save_case(
        person,
        {
            "stage": "parole_granted",
            "a_number": "201555012",
            "attorney": "Lic. Beatriz Solano (demo)",
            "court": "El Paso Immigration Court",
            "hearing_location": "Courtroom 3",
            "credible_fear_on": dt.date(2025, 9, 20),
            "parole_requested_on": dt.date(2025, 10, 1),
            "parole_decision": "granted",
            "parole_decided_on": dt.date(2025, 12, 4),
        },
        by=by,
    )
    services.immigration.add_date(person, {"kind": "check_in", "day": today() + dt.timedelta(days=5)}, by=by)
    services.immigration.add_date(
        person, {"kind": "hearing", "day": today() + dt.timedelta(days=60), "time_of_day": dt.time(8, 30)}, by=by
    )
    note = services.notes.add(person, "Released on parole on 5 December; staying with his sister's family.", by=by)
    services.notes.correct(
        person,
        note.id,
        "Released on parole on 5 December; staying with a cousin, not his "
        "sister (her address is known to the men he fled).",
        by=by,
    )
    services.notes.add(
        person, "Must check in with ICE in person: go with him, he is afraid to go alone.", by=by, pinned=True
    )


def _i589_due_in_20_days(person, by):
    # Arrived a year before a day 20 days from now: the one-year deadline is that day, and warns.
    due = today() + dt.timedelta(days=20)
    arrival = due.replace(year=due.year - 1, day=min(due.day, 28) if due.month == 2 else due.day)
    household = [
        {"name": m.name, "relationship": m.relationship_code, "birth_year": m.birth_year} for m in person.household
    ]
    services.update(person, {"arrival_date": arrival}, household, by=by)
    services.immigration.save_case(
        person,
        {
            "stage": "credible_fear_passed",
            "credible_fear_on": dt.date(2026, 7, 15),
            "attorney": "Clínica Legal Fronteriza (demo)",
        },
        by=by,
    )
    services.deadlines.add_task(
        person,
        {
            "title": "Finish the I-589 declaration with the attorney",
            "due_on": today() + dt.timedelta(days=10),
            "owner_id": by.id,
        },
        by=by,
    )
    services.notes.add(person, "Declaration draft started; she needs a Spanish-speaking notary.", by=by, pinned=True)


def _denied_with_appeal_due(person, by):
    services.immigration.save_case(
        person,
        {
            "stage": "denied",
            "a_number": "20788801",
            "attorney": "Lic. Ramón Ugalde (demo)",
            "court": "Denver Immigration Court",
            "hearing_location": "Courtroom 5",
            "removal_proceedings_on": dt.date(2023, 7, 1),
            "i589_filed_on": dt.date(2024, 2, 10),
            "decision": "denied",
            "decision_on": today() - dt.timedelta(days=12),
        },
        by=by,
    )
    services.notes.add(
        person,
        "The judge found the threats credible but not 'on account of' a protected ground. Attorney will appeal.",
        by=by,
        pinned=True,
    )
    _document(
        person,
        by,
        "court_notice",
        "decision-IJ.pdf",
        today() - dt.timedelta(days=12),
        "Written decision of the immigration judge (demo)",
    )
    _document(
        person, by, "letter", "carta-de-apoyo-párroco.pdf", dt.date(2024, 1, 15), "Support letter from the parish"
    )


def _document(person, by, kind, filename, on, description):
    """A small invented PDF in the case file, stored (encrypted) as an upload would be."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, f"{description}.\nInvented for the demo: no real person, place or case.")
    upload = FileStorage(io.BytesIO(bytes(pdf.output())), filename=filename)
    services.store_document(person, upload, kind, on=on, description=description, by=by)


def _hearing_scheduled(person, by):
    services.immigration.save_case(
        person,
        {"stage": "hearings", "i589_filed_on": dt.date(2025, 12, 1), "court": "El Paso Immigration Court"},
        by=by,
    )
    services.immigration.add_date(
        person, {"kind": "hearing", "day": dt.date(2027, 2, 9), "time_of_day": dt.time(9)}, by=by
    )


def _granted(person, by):
    services.immigration.save_case(
        person,
        {
            "stage": "granted",
            "i589_filed_on": dt.date(2025, 1, 20),
            "decision": "granted",
            "decision_on": dt.date(2026, 4, 2),
        },
        by=by,
    )


def _credible_fear_pending(person, by):
    services.immigration.save_case(person, {"stage": "credible_fear_interview"}, by=by)


CASES = {
    "Don Tomás": _detained_then_paroled,
    "Mari": _i589_due_in_20_days,
    "Héctor V.": _denied_with_appeal_due,
    "Rosa T.": _hearing_scheduled,
    "El Maestro": _granted,
    "Xime": _credible_fear_pending,
}
