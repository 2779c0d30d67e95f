"""The fixed lists a person record uses, with their labels in the user's language."""

from flask_babel import lazy_gettext as _l

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
    "Aguascalientes",
    "Baja California",
    "Baja California Sur",
    "Campeche",
    "Chiapas",
    "Chihuahua",
    "Ciudad de México",
    "Coahuila",
    "Colima",
    "Durango",
    "Estado de México",
    "Guanajuato",
    "Guerrero",
    "Hidalgo",
    "Jalisco",
    "Michoacán",
    "Morelos",
    "Nayarit",
    "Nuevo León",
    "Oaxaca",
    "Puebla",
    "Querétaro",
    "Quintana Roo",
    "San Luis Potosí",
    "Sinaloa",
    "Sonora",
    "Tabasco",
    "Tamaulipas",
    "Tlaxcala",
    "Veracruz",
    "Yucatán",
    "Zacatecas",
)

# --- The case file -------------------------------------------------------------------------
# The codes are stored and checked by the database (models.py); the labels live here once.

STAGES = {
    "arrived": _l("Arrived"),
    "credible_fear_interview": _l("Credible-fear interview"),
    "credible_fear_passed": _l("Credible-fear interview passed"),
    "parole_requested": _l("Parole requested"),
    "parole_granted": _l("Parole granted"),
    "parole_denied": _l("Parole denied"),
    "removal_proceedings": _l("In removal proceedings"),
    "i589_filed": _l("Asylum application (I-589) filed"),
    "hearings": _l("Hearings"),
    "granted": _l("Decision: asylum granted"),
    "denied": _l("Decision: asylum denied"),
    "withdrawn": _l("Decision: application withdrawn"),
    "appeal_filed": _l("Appeal filed"),
    "appeal_decided": _l("Appeal decided"),
    "other_relief": _l("Other relief"),
}

DECISIONS = {
    "granted": _l("Granted"),
    "denied": _l("Denied"),
    "withdrawn": _l("Withdrawn"),
}

PAROLE_DECISIONS = {
    "granted": _l("Granted"),
    "denied": _l("Denied"),
}

RELEASES = {
    "parole": _l("Released on parole"),
    "bond": _l("Released on bond"),
    "transferred": _l("Transferred to another facility"),
    "other": _l("Released otherwise"),
}

CASE_DATE_KINDS = {
    "hearing": _l("Hearing"),
    "check_in": _l("ICE check-in"),
}

# The names of deadlines; a hand-made task is named by its own title.
DEADLINES = {
    "i589": _l("Asylum application (I-589): one year from arrival"),
    "appeal": _l("Appeal to the Board of Immigration Appeals: 30 days from the denial"),
    "hearing": _l("Hearing"),
    "check_in": _l("ICE check-in"),
    "hand": _l("Task"),
}

# Milestones of the immigration case, as the timeline names them (the date fields of the case).
MILESTONES = {
    "credible_fear_on": _l("Credible-fear interview"),
    "parole_requested_on": _l("Parole requested"),
    "parole_decided_on": _l("Parole decided"),
    "removal_proceedings_on": _l("Removal proceedings began"),
    "i589_filed_on": _l("Asylum application (I-589) filed"),
    "decision_on": _l("Decision"),
    "appeal_filed_on": _l("Appeal filed"),
    "appeal_decided_on": _l("Appeal decided"),
}

# What a document in the case file is (the aid domain files payment receipts as "receipt").
DOCUMENT_KINDS = {
    "identity": _l("Identity document"),
    "evidence": _l("Evidence"),
    "court_notice": _l("Court notice"),
    "medical": _l("Medical or psychological report"),
    "letter": _l("Letter"),
    "receipt": _l("Receipt"),
    "other": _l("Other"),
}

# The kinds of file a document may be, as judged from its content: (label, media type, extension).
DOCUMENT_FILE_TYPES = {
    "pdf": (_l("PDF"), "application/pdf", "pdf"),
    "jpeg": (_l("JPEG image"), "image/jpeg", "jpg"),
    "png": (_l("PNG image"), "image/png", "png"),
    "heic": (_l("HEIC image (iPhone photo)"), "image/heic", "heic"),
    "docx": (
        _l("Word document (DOCX)"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
}
