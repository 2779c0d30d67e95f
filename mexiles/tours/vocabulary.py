"""Tours' codes and their labels: event statuses and the steps between them, a request as its host
sees it and the times they propose, languages of a talk, how a speaker's name shows, travel support.
(Time zones are named by timeutil.zone_name.)"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "requested": _l("Requested"),
    "offered": _l("Offered to the speaker"),
    "accepted": _l("Accepted by the speaker"),
    "declined": _l("Declined by the speaker"),
    "confirmed": _l("Confirmed with the host"),
    "done": _l("Done"),
    "cancelled": lazy_pgettext("tour event", "Cancelled"),
}
STEP_LABELS = {
    "offered": _l("Offer to the speaker"),
    "accepted": _l("Accept"),
    "declined": _l("Decline"),
    "confirmed": _l("Confirm with the host"),
    "done": _l("Mark as done"),
    "cancelled": _l("Cancel the event"),
    "requested": _l("Start again"),
}
# The request as its host sees it on their own page (services.host.host_status).
HOST_STATUS_LABELS = {
    "received": _l("Received: a coordinator will answer within a few days"),
    "arranging": _l("Being arranged with a speaker"),
    "confirmed": _l("Confirmed"),
    "done": _l("The talk took place"),
    "cancelled": lazy_pgettext("tour event", "Cancelled"),
    "closed": _l("Closed: we could not arrange a talk this time"),
}
PROPOSAL_STATUS_LABELS = {
    "open": _l("Waiting for an answer"),
    "accepted": lazy_pgettext("proposal", "Accepted"),
    "declined": lazy_pgettext("proposal", "Declined"),
    "replaced": _l("Replaced by a later proposal"),
    "withdrawn": _l("Withdrawn with the request"),
}
LANGUAGES = {"en": _l("English"), "es": _l("Spanish")}
NAME_CHOICES = {"alias": _l("An alias"), "first": _l("My first name only"), "full": _l("My full name")}
TRAVEL_SUPPORT = {"none": _l("None"), "partial": _l("Part of the travel costs"), "full": _l("All travel costs")}
