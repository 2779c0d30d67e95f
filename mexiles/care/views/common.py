"""What the care pages share: finding a referral for its case team or counselor."""

from flask import abort
from flask_login import current_user

from ...access import is_staff
from .. import services
from ..forms import OutcomeForm


def find_or_abort(referral_id: int) -> services.ReferralAccess:
    """The referral as the current user may handle it; 404 when they may not know it exists.

    Staff outside the person's case team get 403 (they know the person exists); a counselor gets
    404 for anything not sent to their own provider.
    """
    access = services.find(current_user, referral_id)
    if access is None:
        abort(404)
    if access.person is None:
        abort(403 if is_staff(current_user) else 404)
    return access


def outcome_form(access: services.ReferralAccess, ending: str, **kwargs) -> OutcomeForm:
    """The form that declines or closes this referral: it asks whether the person got care only
    when they can have (see services.may_have_got_care)."""
    form = OutcomeForm(ending, may_succeed=services.may_have_got_care(access.referral, ending), **kwargs)
    form.appointments = services.appointments_on_record(access.referral)  # what the close box says of them
    return form
