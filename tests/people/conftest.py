import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.people import services

FULL_RECORD = {
    "legal_name": "Graciela Montoya Fuentes", "alias": "La Maestra", "phone": "+1 915 555 0199",
    "email": "graciela@example.org", "current_city": "Sunland Park", "state_of_origin": "Guerrero",
    "language": "es", "arrival_date": "2025-08-01", "case_status": "hearing_scheduled",
    "hearing_date": "2027-01-15", "in_hiding": "y", "safety_notes": "Cartel threats by phone",
    "consent_date": "2025-08-02", "consent_scopes": ["counseling", "housing"], "notes": "Prefers mornings",
    "household-0-name": "Pablo Montoya", "household-0-relationship": "child", "household-0-birth_year": "2015",
}


@pytest.fixture
def add_person(app):
    """Create a person through the service, on the case team of the given coordinator ids."""
    def add(team_ids, legal_name="Graciela Montoya Fuentes", alias="La Maestra", **fields):
        with app.app_context():
            team = [db.session.get(User, i) for i in team_ids]
            person = services.create({"legal_name": legal_name, "alias": alias, "language": "es", **fields}, [],
                                     by=team[0])
            services.set_team(person, team, by=team[0])
            return person.id
    return add
