import datetime as dt

from sqlalchemy import func, select

from ..accounts import services as accounts
from ..extensions import db
from . import services
from .models import Person

# Invented people only: no real name, place of refuge or case.
PEOPLE = (
    dict(legal_name="Rosa Elvia Tamayo Ruiz", alias="Rosa T.", current_city="El Paso", state_of_origin="Chihuahua",
         language="es", arrival_date=dt.date(2025, 3, 14), case_status="hearing_scheduled",
         hearing_date=dt.date(2027, 2, 9), in_hiding=True, consent_date=dt.date(2025, 3, 20),
         consent_scopes=["counseling", "housing"], phone="+1 915 555 0101",
         household=[("Mateo Tamayo", "child", 2014), ("Lucía Tamayo", "child", 2017)]),
    dict(legal_name="Julián Ortega Salinas", alias="El Maestro", current_city="Las Cruces", state_of_origin="Guerrero",
         language="es", arrival_date=dt.date(2024, 11, 2), case_status="asylum_granted",
         consent_date=dt.date(2024, 11, 10), consent_scopes=["counseling", "housing", "media"], household=[]),
    dict(legal_name="Marisol Benítez Cano", alias="Mari", current_city="El Paso", state_of_origin="Michoacán",
         language="es", arrival_date=dt.date(2026, 6, 30), case_status="credible_fear_passed",
         consent_date=dt.date(2026, 7, 2), consent_scopes=["counseling"], household=[("Andrés Cano", "spouse", 1988)]),
    dict(legal_name="Tomás Quiroga Leal", alias="Don Tomás", current_city="Albuquerque", state_of_origin="Sinaloa",
         language="es", arrival_date=dt.date(2025, 9, 1), case_status="in_detention", in_hiding=False, household=[]),
    dict(legal_name="Ximena Arriaga Pons", alias="Xime", current_city="El Paso", state_of_origin="Tamaulipas",
         language="es", arrival_date=dt.date(2026, 1, 19), case_status="credible_fear_pending", in_hiding=True,
         consent_date=dt.date(2026, 1, 25), consent_scopes=["housing"], household=[("Iker Arriaga", "child", 2021)]),
    dict(legal_name="Héctor Villaseñor Ibarra", alias="Héctor V.", current_city="Denver", state_of_origin="Veracruz",
         language="es", arrival_date=dt.date(2023, 5, 5), case_status="asylum_denied_appeal",
         consent_date=dt.date(2023, 6, 1), consent_scopes=["counseling", "media"], household=[]),
)


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Person)):
        return []
    carmen = accounts.find_by_email("coordinator@example.org")
    diego = accounts.find_by_email("coordinator2@example.org")
    for index, record in enumerate(PEOPLE):
        data = dict(record)
        household = [{"name": n, "relationship": r, "birth_year": y} for n, r, y in data.pop("household")]
        person = services.create(data, household, by=carmen if index % 2 == 0 else diego)
        if index == 3:
            services.set_team(person, [diego, carmen], by=diego)
    return [f"Demo people: {len(PEOPLE)}"]
