from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from ..forms import MultiCheckboxField, options
from ..timeutil import today
from .services.immigration import CASE_FIELDS
from .services.records import FIELDS as PERSON_FIELDS
from .vocabulary import (
    CASE_DATE_KINDS,
    CONSENT_SCOPES,
    DECISIONS,
    DOCUMENT_KINDS,
    LANGUAGES,
    MEXICAN_STATES,
    PAROLE_DECISIONS,
    RELATIONSHIPS,
    RELEASES,
    STAGES,
)

BLANK = [("", "—")]
EXTRA_HOUSEHOLD_ROWS = 2


def sane_year(form, field):
    if field.data and not 1950 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between the years 1950 and 2100."))


def not_in_future(form, field):
    if field.data and field.data > today():
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
    alias = StringField(
        _l("Alias"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("The name used everywhere outside the case team."),
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+() .\-]+$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
    )
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    current_city = StringField(_l("Current city"), validators=[Optional(), Length(max=120)])
    state_of_origin = SelectField(
        _l("State of origin in Mexico"), choices=options(BLANK + [(s, s) for s in MEXICAN_STATES])
    )
    language = SelectField(_l("Language"), choices=options(LANGUAGES), default="es")
    arrival_date = DateField(_l("Arrival date"), validators=[Optional(), not_in_future])
    in_hiding = BooleanField(_l("In hiding"), description=_l("Never share where this person is."))
    safety_notes = TextAreaField(_l("Safety notes"), validators=[Optional(), Length(max=4000)])
    consent_date = DateField(_l("Consent given on"), validators=[Optional(), not_in_future])
    consent_scopes = MultiCheckboxField(_l("Consent covers"), choices=options(CONSENT_SCOPES))
    household = FieldList(FormField(HouseholdMemberForm), min_entries=EXTRA_HOUSEHOLD_ROWS)

    def validate_consent_scopes(self, field):
        if field.data and not self.consent_date.data and not self.consent_date.errors:
            raise ValidationError(_l("Give the date the person consented."))

    def person_data(self) -> dict:
        data = {name: getattr(self, name).data for name in PERSON_FIELDS}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip() or None
        data["language"] = data["language"] or "es"
        data["consent_scopes"] = sorted(self.consent_scopes.data or [])
        return data

    def household_data(self) -> list[dict]:
        return [
            {
                "name": row.form.name.data.strip(),
                "relationship": row.form.relationship.data,
                "birth_year": row.form.birth_year.data,
            }
            for row in self.household
            if row.form.name.data and row.form.name.data.strip()
        ]


class SearchForm(FlaskForm):
    q = StringField(_l("Find by name or alias"), validators=[Optional(), Length(max=120)])


class TeamForm(FlaskForm):
    members = MultiCheckboxField(_l("Case team"), coerce=int)


# --- The case file -------------------------------------------------------------------------


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=10_000)])
    pinned = BooleanField(_l("Pin to the top of the case file"))


class CorrectionForm(FlaskForm):
    body = TextAreaField(
        _l("Corrected note"),
        validators=[DataRequired(), Length(max=10_000)],
        description=_l("The old note stays in the file, struck through."),
    )


class ActionForm(FlaskForm):
    """A button that changes one thing (pin, unpin, done, remove): only its CSRF token."""


class ImmigrationCaseForm(FlaskForm):
    stage = SelectField(_l("Stage"), choices=options(STAGES), default="arrived")
    a_number = StringField(
        _l("A-number"),
        validators=[
            Optional(),
            Length(max=20),
            Regexp(r"^\s*[Aa]?[\s\-.]*([0-9][\s\-.]*){8,9}$", message=_l("An A-number has 8 or 9 digits.")),
        ],
        description=_l("8 or 9 digits, as on the notice to appear."),
    )
    attorney = StringField(_l("Attorney of record"), validators=[Optional(), Length(max=300)])
    court = StringField(_l("Immigration court"), validators=[Optional(), Length(max=200)])
    hearing_location = StringField(_l("Hearing location"), validators=[Optional(), Length(max=300)])
    credible_fear_on = DateField(_l("Credible-fear interview on"), validators=[Optional(), sane_year])
    parole_requested_on = DateField(_l("Parole requested on"), validators=[Optional(), sane_year])
    parole_decision = SelectField(
        _l("Parole decision"), choices=options(BLANK + list(PAROLE_DECISIONS.items())), default=""
    )
    parole_decided_on = DateField(_l("Parole decided on"), validators=[Optional(), sane_year])
    removal_proceedings_on = DateField(_l("Removal proceedings began on"), validators=[Optional(), sane_year])
    i589_filed_on = DateField(_l("Asylum application (I-589) filed on"), validators=[Optional(), sane_year])
    decision = SelectField(_l("Decision"), choices=options(BLANK + list(DECISIONS.items())), default="")
    decision_on = DateField(_l("Decision on"), validators=[Optional(), sane_year])
    appeal_filed_on = DateField(_l("Appeal filed on"), validators=[Optional(), sane_year])
    appeal_decided_on = DateField(_l("Appeal decided on"), validators=[Optional(), sane_year])
    other_relief = StringField(_l("Other relief"), validators=[Optional(), Length(max=300)])

    def validate_decision_on(self, field):
        if bool(field.data) != bool(self.decision.data):
            raise ValidationError(_l("Give both the decision and its date, or neither."))

    def case_data(self) -> dict:
        data = {name: getattr(self, name).data for name in CASE_FIELDS}
        return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}


class DetentionForm(FlaskForm):
    facility = StringField(_l("Facility"), validators=[DataRequired(), Length(max=300)])
    from_on = DateField(_l("Detained from"), validators=[DataRequired(), sane_year])
    to_on = DateField(_l("Until"), validators=[Optional(), sane_year])
    released_how = SelectField(_l("Released"), choices=options(BLANK + list(RELEASES.items())), default="")

    def validate_to_on(self, field):
        if field.data and self.from_on.data and field.data < self.from_on.data:
            raise ValidationError(_l("The release date is before the first day in detention."))

    def validate_released_how(self, field):
        if field.data and not self.to_on.data:
            raise ValidationError(_l("Give the date of release."))

    def detention_data(self) -> dict:
        return {
            "facility": self.facility.data.strip(),
            "from_on": self.from_on.data,
            "to_on": self.to_on.data,
            "released_how": self.released_how.data or None,
        }


class CaseDateForm(FlaskForm):
    kind = SelectField(_l("What"), choices=options(CASE_DATE_KINDS), default="hearing")
    day = DateField(_l("Date"), validators=[DataRequired(), sane_year])
    time_of_day = TimeField(_l("Time (optional)"), validators=[Optional()])


class TaskForm(FlaskForm):
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[DataRequired(), sane_year])
    due_time = TimeField(_l("Time (optional)"), validators=[Optional()])
    owner_id = SelectField(_l("Owner"), coerce=int, default=0)


class DocumentForm(FlaskForm):
    """What the uploader says of a file; its type and size are judged by the documents service."""

    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose the file to upload."))],
        description=_l("PDF, JPEG, PNG, HEIC (iPhone photo) or Word (DOCX)."),
    )
    kind = SelectField(_l("Kind of document"), choices=options(DOCUMENT_KINDS), default="evidence")
    dated_on = DateField(
        _l("Date of the document"),
        validators=[DataRequired(), sane_year, not_in_future],
        description=_l("The date it bears (a letter's date, the day a photo was taken), or the day it was received."),
    )
    description = StringField(
        _l("Short description"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For the case team: what it is and why it matters. Kept encrypted."),
    )


class PurgeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the document is purged"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("The file is removed for good; who purged it, when and why stay in the case file."),
    )
