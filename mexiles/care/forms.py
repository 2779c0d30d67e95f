"""Forms of the care domain: they validate input only; choices that come from the database are set
by the views."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import AmountRange, FiniteAmount, MultiCheckboxField, options
from ..money import to_cents
from .vocabulary import (
    APPOINTMENT_KINDS,
    CLOSURE_REASONS,
    CONTACT_PREFERENCES,
    COST_MODELS,
    FAILURE_REASONS,
    LANGUAGES,
    MODALITIES,
    PROVIDER_KINDS,
    SPECIALTIES,
    STATUSES,
    URGENCIES,
)

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
ANY = [("", _l("Any"))]
CHOOSE = [("", "—")]
PROVIDER_LANGUAGES = {k: v for k, v in LANGUAGES.items() if k != "other"}


finite_amount = FiniteAmount(_l("Enter an amount in US dollars, such as 45.50."))


def money_field(label, **kwargs) -> DecimalField:
    """Every amount of money on the care forms: empty, or a finite number of dollars in range."""
    return DecimalField(label, places=2, validators=[Optional(), finite_amount, AmountRange(0, 100_000)], **kwargs)


def count_field(label) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=10000)], default=0)


def plausible_date(form, field):
    """Dates the work can have: also keeps date arithmetic away from the ends of the calendar."""
    if field.data and not FIRST_DATE <= field.data <= LAST_DATE:
        raise ValidationError(
            _l("Choose a date between %(first)s and %(last)s.", first=FIRST_DATE.year, last=LAST_DATE.year)
        )


def not_above_maximum(form, field):
    if field.data is not None and form.capacity_maximum.data is not None and field.data > form.capacity_maximum.data:
        raise ValidationError(_l("Open places cannot be more than the maximum."))


# --- Directory -----------------------------------------------------------------------------


class DirectoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    language = SelectField(_l("Language"), choices=options(ANY + list(PROVIDER_LANGUAGES.items())), default="")
    modality = SelectField(_l("How"), choices=options(ANY + list(MODALITIES.items())), default="")
    specialty = SelectField(_l("Specialty"), choices=options(ANY + list(SPECIALTIES.items())), default="")
    open_only = BooleanField(_l("Only with open places"))
    include_inactive = BooleanField(_l("Include inactive providers"))


class ProviderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options(PROVIDER_KINDS))
    languages = MultiCheckboxField(
        _l("Languages"),
        choices=options(PROVIDER_LANGUAGES),
        default=["es"],
        validators=[DataRequired(message=_l("Choose at least one language."))],
    )
    modalities = MultiCheckboxField(
        _l("How they see people"),
        choices=options(MODALITIES),
        validators=[DataRequired(message=_l("Choose in person, telehealth or both."))],
    )
    specialties = MultiCheckboxField(_l("Specialties"), choices=options(SPECIALTIES))
    cost_model = SelectField(_l("Cost"), choices=options(COST_MODELS))
    fee = money_field(
        _l("Fee per session (US$)"),
        description=_l("Required for a fee per session; the usual amount on a sliding scale."),
    )
    capacity_available = count_field(_l("Open places"))
    capacity_maximum = count_field(_l("Maximum places"))
    capacity_confirmed_on = DateField(_l("Capacity last confirmed on"), validators=[Optional(), plausible_date])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Email(), Length(max=254)])
    active = BooleanField(_l("Active (takes referrals)"), default=True)

    def validate_capacity_available(self, field):
        not_above_maximum(self, field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops those when the fee is left empty.
        if self.cost_model.data == "fee" and self.fee.data is None and not self.fee.errors:
            self.fee.errors = [*self.fee.errors, _l("Give the fee per session.")]
            valid = False
        return valid

    def provider_data(self) -> dict:
        data = {
            name: getattr(self, name).data
            for name in (
                "name",
                "kind",
                "cost_model",
                "capacity_available",
                "capacity_maximum",
                "capacity_confirmed_on",
                "city",
                "contact_name",
                "contact_phone",
                "contact_email",
                "active",
                "languages",
                "modalities",
                "specialties",
            )
        }
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip() or None
        data["fee_cents"] = None if self.cost_model.data == "pro_bono" else to_cents(self.fee.data)
        for name in ("languages", "modalities", "specialties"):
            data[name] = data[name] or []
        return data


class CapacityForm(FlaskForm):
    capacity_available = count_field(_l("Open places"))
    capacity_maximum = count_field(_l("Maximum places"))

    def validate_capacity_available(self, field):
        not_above_maximum(self, field)


class LinkCounselorForm(FlaskForm):
    user_id = SelectField(_l("Counselor account"), coerce=int, validators=[DataRequired()])


# --- Referrals -----------------------------------------------------------------------------


class ReferralFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        default="open",
        choices=options([("open", _l("Open")), ("", lazy_pgettext("referrals", "All"))] + list(STATUSES.items())),
    )
    urgency = SelectField(_l("Urgency"), choices=options(ANY + list(URGENCIES.items())), default="")


class ReferralForm(FlaskForm):
    person_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired(message=_l("Choose the person."))])
    provider_id = SelectField(_l("Provider"), coerce=int, validators=[DataRequired(message=_l("Choose the provider."))])
    urgency = SelectField(_l("Urgency"), choices=options(URGENCIES), default="routine")
    reason = TextAreaField(
        _l("Reason for the referral"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Confidential: only the case team sees it, never the provider's staff here."),
    )
    contact_preference = SelectField(_l("How the provider should get in touch"), choices=options(CONTACT_PREFERENCES))
    cost_per_session = money_field(
        _l("Cost per session (US$)"), description=_l("Leave empty to use the provider's fee.")
    )
    org_pays = BooleanField(_l("The organisation pays for the sessions"), default=True)
    follow_up_on = DateField(
        _l("Next follow-up"),
        validators=[Optional(), plausible_date],
        description=_l("Leave empty for the usual: tomorrow for a crisis, in 3 days if urgent, in a week otherwise."),
    )

    def referral_data(self) -> dict:
        return {
            "person_id": self.person_id.data,
            "provider_id": self.provider_id.data,
            "urgency": self.urgency.data,
            "reason": self.reason.data.strip(),
            "contact_preference": self.contact_preference.data,
            "cost_per_session_cents": to_cents(self.cost_per_session.data),
            "org_pays": self.org_pays.data,
            "follow_up_on": self.follow_up_on.data,
        }


class StepForm(FlaskForm):
    """A step button: the step is the value of the button pressed."""

    to = StringField(validators=[DataRequired()])


class OutcomeForm(FlaskForm):
    """Declining or closing (``ending``): did the person get care, and if not, why.

    Without ``may_succeed`` (declined, or no appointment took place) the answer is "no" and the
    question is not asked: only why.
    """

    succeeded = RadioField(
        _l("Did the person get care?"),
        choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
        validators=[InputRequired(message=_l("Say whether the person got care."))],
    )
    failure_reason = SelectField(_l("If not, why"), choices=options(CHOOSE + list(FAILURE_REASONS.items())), default="")
    closure_reason = SelectField(
        _l("Why is it closed"), choices=options(CHOOSE + list(CLOSURE_REASONS.items())), default=""
    )

    # What the referral's appointments allow the form to say (services.appointments_on_record).
    appointments = "none"

    def __init__(self, ending: str, *args, may_succeed: bool = True, **kwargs):
        super().__init__(*args, prefix=ending, **kwargs)
        self.ending = ending
        if not may_succeed:
            del self.succeeded
            self.failure_reason.label.text = _l("Why the person did not get care")

    def got_care(self) -> bool:
        return self.succeeded is not None and self.succeeded.data == "yes"

    def validate_failure_reason(self, field):
        answered_no = self.succeeded is None or self.succeeded.data == "no"
        if answered_no and not field.data:
            raise ValidationError(_l("Say why the person did not get care."))

    def validate_closure_reason(self, field):
        if self.ending == "closed" and not field.data:
            raise ValidationError(_l("Say why the referral is closed."))

    def outcome_data(self) -> dict:
        succeeded = self.got_care()
        return {
            "succeeded": succeeded,
            "failure_reason": None if succeeded else self.failure_reason.data,
            "closure_reason": self.closure_reason.data or None,
        }


class AppointmentForm(FlaskForm):
    kind = SelectField(_l("Appointment"), choices=options(APPOINTMENT_KINDS))
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date.")), plausible_date])
    time = TimeField(_l("Time"), validators=[InputRequired(message=_l("Give the time."))])
    attendance = SelectField(
        _l("Did it take place?"),
        default="",
        choices=options(
            [("", _l("Not yet (scheduled)")), ("held", _l("Yes, it took place")), ("missed", _l("No, it did not"))]
        ),
    )

    def held(self) -> bool | None:
        return {"held": True, "missed": False}.get(self.attendance.data)


class AttendanceForm(FlaskForm):
    held = StringField(validators=[DataRequired()])


class FollowUpForm(FlaskForm):
    day = DateField(_l("Next follow-up"), validators=[InputRequired(message=_l("Give the date.")), plausible_date])


class CostForm(FlaskForm):
    cost_per_session = money_field(
        _l("Cost per session (US$)"), description=_l("Leave empty to use the provider's fee.")
    )
    org_pays = BooleanField(_l("The organisation pays for the sessions"))


class OverrideForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the referral may go without recorded consent"),
        validators=[DataRequired(), Length(min=10, max=2000)],
        description=_l("Confidential and audited. Say who agreed and why consent could not be recorded."),
    )


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[Optional(), plausible_date])
    until = DateField(_l("To"), validators=[Optional(), plausible_date])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end cannot be before the start."))
