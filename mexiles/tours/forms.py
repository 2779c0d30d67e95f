import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from .. import timeutil
from ..forms import MultiCheckboxField, RecordField, ZoneField, amount_checks, options
from ..money import to_cents
from ..timeutil import utcnow
from .services import timing
from .vocabulary import LANGUAGES, NAME_CHOICES, TRAVEL_SUPPORT

BLANK = [("", "—")]
phone_format = Regexp(r"^[0-9+() .\-]+$", message=_l("Use digits, spaces and + ( ) - only."))


class WithinYears:
    """A date no further than ``back`` years behind and ``ahead`` years ahead of today."""

    def __init__(self, ahead: int, back: int | None = None):
        self.ahead, self.back = ahead, back

    def __call__(self, form, field):
        if field.data is None:
            return
        today = timeutil.today()
        if field.data > today + dt.timedelta(days=365 * self.ahead + 1):
            raise ValidationError(_l("Choose a date within the next %(years)s years.", years=self.ahead))
        if self.back is not None and field.data < today - dt.timedelta(days=365 * self.back + 1):
            raise ValidationError(_l("Choose a date within the last %(years)s years.", years=self.back))


money_checks = amount_checks(0, 1_000_000, message=_l("Give an amount between 0 and 1,000,000."))
DATE_YEARS = 5  # how far ahead (and, for coordinators, back) a talk may be planned or recorded


class TimeSpanMixin:
    """A date with start and end times in a zone; the end must follow the start."""

    day: DateField  # the fields a form that mixes this in must have
    starts: TimeField
    ends: TimeField
    time_zone: ZoneField

    def validate_ends(self, field):
        if field.data and self.starts.data and field.data <= self.starts.data:
            raise ValidationError(_l("The end must come after the start."))

    def span_utc(self) -> tuple[dt.datetime, dt.datetime]:
        zone = self.time_zone.data.strip()
        return (
            timing.to_utc(self.day.data, self.starts.data, zone),
            timing.to_utc(self.day.data, self.ends.data, zone),
        )

    def check_clock(self) -> bool:
        """Refuse a time skipped by a clock change (it would silently move)."""
        try:
            self.span_utc()
        except timing.NoSuchLocalTime:
            self.starts.errors = list(self.starts.errors) + [
                _l("This time does not exist on that day: the clocks change. Choose another time.")
            ]
            return False
        except timing.OutOfRange:
            self.day.errors = list(self.day.errors) + [
                _l("Choose a date within the next %(years)s years.", years=DATE_YEARS)
            ]
            return False
        return True


def _speaker_id(value: str | None) -> int | None:
    """ "" is any speaker; an id that is not a number is no speaker on the list (the service says so)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 10 else 0


class BookingForm(TimeSpanMixin, FlaskForm):
    # Choices are the public roster, given by the view; the service refuses a speaker not on it.
    speaker = SelectField(_l("Speaker"), validate_choice=False)
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    contact_email = EmailField(_l("Your email"), validators=[DataRequired(), Email(), Length(max=254)])
    contact_phone = TelField(_l("Your phone"), validators=[Optional(), Length(max=40), phone_format])
    day = DateField(
        _l("Proposed date"), validators=[DataRequired(message=_l("Give a date.")), WithinYears(ahead=DATE_YEARS)]
    )
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give a start time."))])
    ends = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Give an end time."))])
    time_zone = ZoneField(_l("Time zone"))
    other_dates = TextAreaField(_l("Other dates that would suit you"), validators=[Optional(), Length(max=2000)])
    city = StringField(_l("City and state"), validators=[DataRequired(), Length(max=120)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    expected_audience = IntegerField(
        _l("Expected audience"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("Give a number of people between 1 and 100,000.")),
        ],
    )
    topic = StringField(_l("Topic you would like"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language of the talk"), choices=options(LANGUAGES))  # default: the page's
    honorarium = DecimalField(_l("Honorarium offered (US$)"), places=2, validators=money_checks)
    travel_support = SelectField(_l("Travel support offered"), choices=options(TRAVEL_SUPPORT))
    message = TextAreaField(_l("Anything else we should know"), validators=[Optional(), Length(max=4000)])
    # A trap for robots: hidden from people by CSS and screen readers, and named so that no browser's
    # autofill has a value for it; only a form-filling robot fills it in.
    fax_number_confirm = StringField(_l("Leave this field empty"), validators=[Optional()])

    def validate_day(self, field):
        # "Today" where the host is: in the evening in the Americas, it is already tomorrow in UTC.
        zone = self.time_zone.data if timeutil.zone_known(self.time_zone.data) else "UTC"
        if field.data and field.data < timing.local(utcnow(), zone).date():
            raise ValidationError(_l("This date is in the past. Choose a coming date."))

    def is_spam(self) -> bool:
        return bool((self.fax_number_confirm.data or "").strip())

    @staticmethod
    def chosen(args, locale: str) -> dict:
        """What a link from the tour page's free days fills in: speaker, day, zone, language, topic;
        the talk's language is the page's unless the link says otherwise."""
        data: dict = {"language": args.get("language") if args.get("language") in LANGUAGES else locale}
        if (speaker := _speaker_id(args.get("speaker"))) is not None:
            data["speaker"] = str(speaker)
        try:
            data["day"] = dt.date.fromisoformat(args.get("day", ""))
        except ValueError:
            pass
        if timeutil.zone_known(args.get("time_zone")):
            data["time_zone"] = args["time_zone"]
        if topic := (args.get("topic") or "").strip()[:200]:
            data["topic"] = topic
        return data

    def booking_data(self) -> dict:
        starts_at, ends_at = self.span_utc()
        return {
            "speaker_id": _speaker_id(self.speaker.data),
            "organisation": self.organisation.data.strip(),
            "contact_name": self.contact_name.data.strip(),
            "contact_email": self.contact_email.data.strip(),
            "contact_phone": (self.contact_phone.data or "").strip() or None,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": self.time_zone.data,
            "other_dates": (self.other_dates.data or "").strip() or None,
            "city": self.city.data.strip(),
            "venue": self.venue.data.strip(),
            "expected_audience": self.expected_audience.data,
            "topic": self.topic.data.strip(),
            "language": self.language.data,
            "honorarium_cents": to_cents(self.honorarium.data),
            "travel_support": self.travel_support.data,
            "message": (self.message.data or "").strip() or None,
        }


class AvailabilityForm(FlaskForm):
    """The tour page's choice of whose free days to show; choices of speaker and topic from the view."""

    class Meta:
        csrf = False

    speaker = SelectField(_l("Speaker"), validate_choice=False)
    language = SelectField(_l("Language of the talk"), choices=options(LANGUAGES))
    topic = SelectField(_l("Topic"), validate_choice=False)
    time_zone = ZoneField(_l("Time zone"))

    def choice(self, locale: str) -> tuple[int | None, str, str | None, str]:
        """Speaker id (None: any), language, topic (None: any) and zone; what is not on the lists
        falls back to any speaker, the page's language, any topic, the default zone."""
        language = self.language.data if self.language.data in LANGUAGES else locale
        zone = self.time_zone.data if timeutil.zone_known(self.time_zone.data) else self.time_zone.default
        return _speaker_id(self.speaker.data), language, (self.topic.data or "").strip()[:200] or None, zone


class SpeakerForm(FlaskForm):
    user_id = RecordField(_l("Speaker account"), validate_choice=False)  # the service says why not
    legal_name = StringField(
        _l("Legal name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Shown in public only if the speaker chooses their full name."),
    )
    name_choice = SelectField(
        _l("Name used in public"),
        choices=options(NAME_CHOICES),
        default="alias",
        description=_l("“First name only” uses the first word of the legal name."),
    )
    alias = StringField(_l("Alias"), validators=[Length(max=120)])  # validate_alias decides if it is needed
    bio_en = TextAreaField(_l("Biography in English"), validators=[Optional(), Length(max=4000)])
    bio_es = TextAreaField(_l("Biography in Spanish"), validators=[Optional(), Length(max=4000)])
    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=300)], description=_l("Separated by commas."))
    languages = MultiCheckboxField(lazy_pgettext("speaker", "Languages spoken"), choices=options(LANGUAGES))
    home_city = StringField(_l("Home city"), validators=[Optional(), Length(max=120)])
    public_city = StringField(
        _l("City shown in public"),
        validators=[Optional(), Length(max=120)],
        description=_l("On the public tour page, beside the public name. Leave empty to show no city."),
    )
    time_zone = ZoneField(_l("Time zone"), description=_l("The portal shows times in it."))

    def validate_alias(self, field):
        if self.name_choice.data == "alias" and not (field.data or "").strip():
            raise ValidationError(_l("Give the alias to use in public."))

    def profile_data(self) -> dict:
        data = {
            name: getattr(self, name).data
            for name in (
                "legal_name",
                "name_choice",
                "alias",
                "bio_en",
                "bio_es",
                "topics",
                "home_city",
                "public_city",
                "time_zone",
            )
            if name in self._fields
        }
        data = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
        data["languages"] = sorted(self.languages.data or [])
        return data


class SpeakerPersonForm(FlaskForm):
    person_id = IntegerField(
        _l("Record number of the person served"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
        description=_l(
            "When the speaker is also a person the organisation serves, their talks "
            "join their case file. Leave empty to unlink."
        ),
    )


class OwnProfileForm(SpeakerForm):
    """What a speaker edits on their own profile: everything but the account and the legal name."""

    user_id = None  # type: ignore[assignment]  # None is how WTForms drops an inherited field
    legal_name = None


class EventForm(TimeSpanMixin, FlaskForm):
    speaker_id = RecordField(_l("Speaker"), validators=[DataRequired(message=_l("Choose a speaker from the list."))])
    title = StringField(_l("Title of the talk"), validators=[DataRequired(), Length(max=200)])
    day = DateField(
        _l("Date"),
        validators=[DataRequired(message=_l("Give a date.")), WithinYears(ahead=DATE_YEARS, back=DATE_YEARS)],
    )
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give a start time."))])
    ends = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Give an end time."))])
    time_zone = ZoneField(_l("Time zone of the place"))
    city = StringField(_l("City and state"), validators=[DataRequired(), Length(max=120)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    listed = BooleanField(_l("List on the public tour page once confirmed"), default=True)
    organisation = StringField(_l("Host organisation"), validators=[DataRequired(), Length(max=200)])
    host_name = StringField(_l("Host contact"), validators=[DataRequired(), Length(max=120)])
    host_email = EmailField(_l("Host email"), validators=[DataRequired(), Email(), Length(max=254)])
    host_locale = SelectField(_l("Write to the host in"), choices=options(LANGUAGES))
    language = SelectField(_l("Language of the talk"), choices=options(LANGUAGES))
    expected_audience = IntegerField(_l("Expected audience"), validators=[Optional(), NumberRange(min=1, max=100_000)])
    honorarium = DecimalField(_l("Honorarium offered (US$)"), places=2, validators=money_checks)
    override_reason = TextAreaField(
        _l("Book anyway, because…"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Only when warnings are shown: say why this booking is right."),
    )

    def event_data(self) -> dict:
        starts_at, ends_at = self.span_utc()
        return {
            "speaker_id": self.speaker_id.data,
            "title": self.title.data.strip(),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": self.time_zone.data.strip(),
            "city": self.city.data.strip(),
            "venue": self.venue.data.strip(),
            "listed": self.listed.data,
            "organisation": self.organisation.data.strip(),
            "host_name": self.host_name.data.strip(),
            "host_email": self.host_email.data.strip(),
            "host_locale": self.host_locale.data,
            "language": self.language.data,
            "expected_audience": self.expected_audience.data,
            "honorarium_offered_cents": to_cents(self.honorarium.data),
        }


class StepForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    override_reason = TextAreaField(_l("Book anyway, because…"), validators=[Optional(), Length(max=2000)])
    # A cancellation tells the host and the speaker at once: it is posted only with this box ticked.
    confirm = BooleanField()

    def validate_confirm(self, field):
        if self.to.data == "cancelled" and not field.data:
            raise ValidationError(_l("Tick the box to confirm. Nothing was changed."))


class RespondForm(FlaskForm):
    decision = SelectField(
        _l("Your answer"), choices=options({"accepted": _l("I accept"), "declined": _l("I decline")})
    )
    # No Optional(): it would skip validate_reason on an empty reason.
    reason = TextAreaField(_l("Reason (needed when you decline)"), validators=[Length(max=2000)])

    def validate_reason(self, field):
        if self.decision.data == "declined" and not (field.data or "").strip():
            raise ValidationError(_l("Please tell the coordinators why you decline."))


class UnavailableForm(FlaskForm):
    first_day = DateField(
        _l("From"), validators=[DataRequired(message=_l("Give a date.")), WithinYears(ahead=DATE_YEARS)]
    )
    last_day = DateField(
        _l("Until (included)"), validators=[DataRequired(message=_l("Give a date.")), WithinYears(ahead=DATE_YEARS)]
    )
    note = StringField(_l("Note (only coordinators see it)"), validators=[Optional(), Length(max=200)])

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day cannot come before the first."))


class OutcomeForm(FlaskForm):
    attendance = IntegerField(_l("Attendance"), validators=[Optional(), NumberRange(min=0, max=100_000)])
    honorarium_received = DecimalField(_l("Honorarium received (US$)"), places=2, validators=money_checks)
    travel_costs = DecimalField(_l("Travel costs (US$)"), places=2, validators=money_checks)

    def outcome_data(self) -> dict:
        return {
            "attendance": self.attendance.data,
            "honorarium_received_cents": to_cents(self.honorarium_received.data),
            "travel_costs_cents": to_cents(self.travel_costs.data),
        }


class EventFilterForm(FlaskForm):
    class Meta:
        csrf = False

    when = SelectField(
        _l("When"),
        choices=options({"upcoming": _l("Coming"), "past": _l("Past"), "all": lazy_pgettext("tour events", "All")}),
        default="upcoming",
    )
    status = SelectField(_l("Status"), default="")


class ProposeForm(TimeSpanMixin, FlaskForm):
    """Another time the host proposes, in the zone of their request (not theirs to change here)."""

    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Give a date.")), WithinYears(ahead=DATE_YEARS)])
    starts = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Give a start time."))])
    ends = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Give an end time."))])
    time_zone = HiddenField()

    def __init__(self, zone: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.data = zone  # whatever was posted: the request's zone is the host's


class HostButtonForm(FlaskForm):
    """A button about the host's link (withdraw through it; send a new one): only its CSRF token."""


class ProposalAnswerForm(FlaskForm):
    reason = TextAreaField(_l("Reason, for the host (optional)"), validators=[Optional(), Length(max=2000)])


class CalendarForm(FlaskForm):
    """The staff calendar's choices, from the query string; a bad value is named, today shown instead."""

    class Meta:
        csrf = False

    view = SelectField(_l("Show"), choices=options({"month": _l("Month"), "week": _l("Week")}), default="month")
    date = DateField(
        _l("Around the date"),
        validators=[Optional(), WithinYears(ahead=DATE_YEARS * 2, back=DATE_YEARS * 4)],
    )
    speaker = SelectField(_l("Speaker"), coerce=int, default=0)
