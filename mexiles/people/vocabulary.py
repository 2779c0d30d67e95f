"""The fixed lists a person record uses, with their labels in the user's language."""
from flask_babel import lazy_gettext as _l

CASE_STATUSES = {
    "credible_fear_pending": _l("Credible-fear interview pending"),
    "credible_fear_passed": _l("Credible-fear interview passed"),
    "in_detention": _l("In detention"),
    "hearing_scheduled": _l("Hearing scheduled"),
    "asylum_granted": _l("Asylum granted"),
    "asylum_denied_appeal": _l("Asylum denied, on appeal"),
    "other": _l("Other"),
}

LANGUAGES = {
    "es": _l("Spanish"),
    "en": _l("English"),
    "indigenous": _l("An indigenous language"),
    "other": _l("Other"),
}

RELATIONSHIPS = {
    "spouse": _l("Spouse or partner"),
    "child": _l("Child"),
    "parent": _l("Parent"),
    "sibling": _l("Sibling"),
    "other": _l("Other relative or companion"),
}

# What the person agreed that the organisation may share, and with whom.
CONSENT_SCOPES = {
    "counseling": _l("Share details with counseling providers"),
    "housing": _l("Share details with housing hosts"),
    "media": _l("Tell their story in public (without identifying them)"),
}

# Proper names, the same in both languages.
MEXICAN_STATES = (
    "Aguascalientes", "Baja California", "Baja California Sur", "Campeche", "Chiapas", "Chihuahua",
    "Ciudad de México", "Coahuila", "Colima", "Durango", "Estado de México", "Guanajuato", "Guerrero",
    "Hidalgo", "Jalisco", "Michoacán", "Morelos", "Nayarit", "Nuevo León", "Oaxaca", "Puebla",
    "Querétaro", "Quintana Roo", "San Luis Potosí", "Sinaloa", "Sonora", "Tabasco", "Tamaulipas",
    "Tlaxcala", "Veracruz", "Yucatán", "Zacatecas",
)
