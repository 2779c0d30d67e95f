"""The fixed lists of counseling referrals, with their labels in the user's language.

The codes are stored; the database checks them (see models.py), so the lists live here once.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

PROVIDER_KINDS = {
    "individual": _l("Individual counselor"),
    "clinic": _l("Clinic"),
    "hospital_program": _l("Hospital program"),
}

# Spanish first: most people served speak it, and a provider who does not is the exception.
LANGUAGES = {
    "es": _l("Spanish"),
    "en": _l("English"),
    "indigenous": _l("An indigenous language"),
    "other": _l("Other"),
}

MODALITIES = {
    "in_person": _l("In person"),
    "telehealth": _l("Telehealth"),
}

SPECIALTIES = {
    "trauma": _l("Trauma"),
    "torture": _l("Torture survivors"),
    "children": _l("Children"),
    "grief": _l("Grief"),
}

# What a provider offers, by facet; the directory filters on these.
FACETS = {"language": LANGUAGES, "modality": MODALITIES, "specialty": SPECIALTIES}

COST_MODELS = {
    "pro_bono": _l("Pro bono"),
    "sliding_scale": _l("Sliding scale"),
    "fee": _l("Fee per session"),
}

URGENCIES = {
    "routine": _l("Routine"),
    "urgent": _l("Urgent"),
    "crisis": _l("Crisis"),
}

# How the provider should get in touch; the details themselves stay with the case team.
CONTACT_PREFERENCES = {
    "through_coordinator": _l("Through the coordinator"),
    "phone_call": _l("Phone call"),
    "text_message": _l("Text message"),
    "whatsapp": _l("WhatsApp"),
    "email": _l("Email"),
}

STATUSES = {
    "new": _l("New"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "intake_scheduled": _l("Intake scheduled"),
    "in_care": _l("In care"),
    "completed": _l("Completed"),
    "closed": _l("Closed"),
}

CLOSURE_REASONS = {
    "no_show": _l("No show"),
    "withdrawn": lazy_pgettext("referral", "Withdrawn"),
    "moved_away": _l("Moved away"),
}

FAILURE_REASONS = {
    "person_refused": _l("The person refused"),
    "no_capacity": _l("No capacity"),
    "no_longer_needed": _l("No longer needed"),
    "unreachable_person": _l("Could not reach the person"),
    "unreachable_provider": _l("Could not reach the provider"),
    "other": _l("Other"),
}

APPOINTMENT_KINDS = {
    "intake": _l("Intake"),
    "session": _l("Session"),
}

# What the history of a referral says for each event other than a status step.
EVENTS = {
    "created": _l("Referral made"),
    "consent_override": _l("Consent override recorded"),
    "appointment_scheduled": _l("Appointment added"),
    "appointment_held": _l("Appointment took place"),
    "appointment_missed": _l("Appointment did not take place"),
    "follow_up_set": _l("Next follow-up changed"),
    "cost_set": _l("Cost changed"),
}

ATTENTION_REASONS = {
    "crisis": _l("Crisis, not yet accepted"),
    "overdue": _l("Follow-up overdue"),
    "unanswered": _l("Sent and unanswered"),
}
