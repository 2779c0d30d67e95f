import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, FieldList, FormField, IntegerField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from ..accounts.forms import MultiCheckboxField
from ..forms import options
from .vocabulary import CASE_STATUSES, CONSENT_SCOPES, LANGUAGES, MEXICAN_STATES, RELATIONSHIPS

BLANK = [("", "—")]
EXTRA_HOUSEHOLD_ROWS = 2


def not_in_future(form, field):
    if field.data and field.data > dt.date.today():
        raise ValidationError(_l("This date cannot be in the future."))


class HouseholdMemberForm(FlaskForm):
    """One row of the household; a FlaskForm (without its own CSRF token) so its messages are
    translated like every other form's."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[Length(max=120)])
    relationship = SelectField(_l("Relationship"), choices=options(BLANK + list(RELATIONSHIPS.items())), default="")
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional(), NumberRange(min=1900, max=2100)])

    def validate_relationship(self, field):
        if self.name.data and self.name.data.strip() and not field.data:
            raise ValidationError(_l("Choose how this person is related."))

    def validate_name(self, field):
        named = field.data and field.data.strip()
        if not named and (self.relationship.data or self.birth_year.raw_data and self.birth_year.raw_data[0]):
            raise ValidationError(_l("Give this household member's name, or clear the row."))


class PersonForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    alias = StringField(_l("Alias"), validators=[DataRequired(), Length(max=120)],
                        description=_l("The name used everywhere outside the case team."))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40),
                                                 Regexp(r"^[0-9+() .\-]+$", message=_l("Use digits, spaces and + ( ) - only."))])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    current_city = StringField(_l("Current city"), validators=[Optional(), Length(max=120)])
    state_of_origin = SelectField(_l("State of origin in Mexico"), choices=options(BLANK + [(s, s) for s in MEXICAN_STATES]))
    language = SelectField(_l("Language"), choices=options(LANGUAGES), default="es")
    arrival_date = DateField(_l("Arrival date"), validators=[Optional(), not_in_future])
    case_status = SelectField(_l("Immigration case"), choices=options(BLANK + list(CASE_STATUSES.items())))
    hearing_date = DateField(_l("Hearing date"), validators=[Optional()])
    in_hiding = BooleanField(_l("In hiding"), description=_l("Never share where this person is."))
    safety_notes = TextAreaField(_l("Safety notes"), validators=[Optional(), Length(max=4000)])
    consent_date = DateField(_l("Consent given on"), validators=[Optional(), not_in_future])
    consent_scopes = MultiCheckboxField(_l("Consent covers"), choices=options(CONSENT_SCOPES))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])
    household = FieldList(FormField(HouseholdMemberForm), min_entries=EXTRA_HOUSEHOLD_ROWS)

    def validate_consent_scopes(self, field):
        if field.data and not self.consent_date.data and not self.consent_date.errors:
            raise ValidationError(_l("Give the date the person consented."))

    def person_data(self) -> dict:
        fields = ("legal_name", "alias", "phone", "email", "current_city", "state_of_origin", "language",
                  "arrival_date", "case_status", "hearing_date", "in_hiding", "safety_notes", "consent_date",
                  "consent_scopes", "notes")
        data = {name: getattr(self, name).data for name in fields}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip() or None
        data["language"] = data["language"] or "es"
        data["consent_scopes"] = sorted(self.consent_scopes.data or [])
        return data

    def household_data(self) -> list[dict]:
        return [{"name": row.form.name.data.strip(), "relationship": row.form.relationship.data,
                 "birth_year": row.form.birth_year.data}
                for row in self.household if row.form.name.data and row.form.name.data.strip()]


class SearchForm(FlaskForm):
    q = StringField(_l("Find by name or alias"), validators=[Optional(), Length(max=120)])


class TeamForm(FlaskForm):
    members = MultiCheckboxField(_l("Case team"), coerce=int)
