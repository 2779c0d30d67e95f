import pytest


FULL_RECORD = {
    "legal_name": "Graciela Montoya Fuentes", "alias": "La Maestra", "phone": "+1 915 555 0199",
    "email": "graciela@example.org", "current_city": "Sunland Park", "state_of_origin": "Guerrero",
    "language": "es", "arrival_date": "2025-08-01", "case_status": "hearing_scheduled",
    "hearing_date": "2027-01-15", "in_hiding": "y", "safety_notes": "Cartel threats by phone",
    "consent_date": "2025-08-02", "consent_scopes": ["counseling", "housing"],
    "household-0-name": "Pablo Montoya", "household-0-relationship": "child", "household-0-birth_year": "2015",
}


@pytest.fixture
def add_person(make_person):
    return make_person
