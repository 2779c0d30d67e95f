"""Assistance forms: input validation only (the rules are in services)."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, DecimalField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..forms import RecordField, amount_checks, options
from ..money import to_cents
from ..timeutil import today
from .vocabulary import CATEGORIES, METHODS

REASON_MAX = 2000
# A payment recorded is recent: one dated years back is a typo.
PAID_REACH_DAYS = 366


class AskForm(FlaskForm):
    category = SelectField(_l("What it is for"), choices=options(CATEGORIES))
    amount = DecimalField(_l("Amount (US dollars)"), places=2, validators=amount_checks(minimum="0.01", required=True))
    fund_id = RecordField(_l("Fund"))
    reason = TextAreaField(
        _l("Why it is needed"),
        validators=[InputRequired(message=_l("Say why it is needed.")), Length(max=REASON_MAX)],
        description=_l("Only the case team and admins read this."),
    )

    def data_for_service(self) -> dict:
        return {
            "category": self.category.data,
            "amount_cents": to_cents(self.amount.data),
            "fund_id": self.fund_id.data,
            "reason": self.reason.data.strip(),
        }


class DecideForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=options({"approve": _l("Approve"), "decline": _l("Decline")}))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=REASON_MAX)])
    override = BooleanField(_l("Approve even though the fund holds less than this"))
    override_reason = TextAreaField(
        _l("Why the fund may spend more than it holds"), validators=[Optional(), Length(max=REASON_MAX)]
    )


def recent_past(form, field):
    if field.data is None:
        return
    if not today() - dt.timedelta(days=PAID_REACH_DAYS) <= field.data <= today():
        raise ValidationError(_l("Give a date in the past year, today at the latest."))


class PayForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(message=_l("Give a date.")), recent_past])
    method = SelectField(_l("How it was paid"), choices=options(METHODS))
    receipt = FileField(
        _l("Receipt (optional)"),
        description=_l("A photo or scan: PDF, JPEG, PNG, HEIC or Word (DOCX). It goes to the case file, encrypted."),
    )


# The figures cover whole months; a longer period than this is a typo (and a very wide query).
FIGURES_MAX_MONTHS = 60
FIGURES_FIRST_YEAR = 2000


class FiguresPeriodForm(FlaskForm):
    """The period of the staff figures, from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate_since(self, field):
        if field.data and not dt.date(FIGURES_FIRST_YEAR, 1, 1) <= field.data <= today():
            raise ValidationError(_l("Choose a start between %(first)s and today.", first=FIGURES_FIRST_YEAR))

    def validate_until(self, field):
        if not field.data or not self.since.data:
            return
        if field.data < self.since.data:
            raise ValidationError(_l("The end cannot be before the start."))
        months = (field.data.year - self.since.data.year) * 12 + field.data.month - self.since.data.month + 1
        if months > FIGURES_MAX_MONTHS:
            raise ValidationError(_l("Show at most %(count)s months at once.", count=FIGURES_MAX_MONTHS))
