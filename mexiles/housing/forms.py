import datetime as dt

from flask_babel import format_date, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..forms import MultiCheckboxField, RecordField, options
from ..people.vocabulary import LANGUAGES
from ..timeutil import today
from .vocabulary import ACCEPTS, EXIT_DESTINATIONS, EXIT_GROUPS, NEEDS, SITE_KINDS, URGENCIES, VETTING

MAX_HOUSEHOLD = 30
MAX_WEEKS = 8
# Housing dates lie within ten years of today: anything further is a typo (and beyond the calendar's reach).
DATE_REACH_YEARS = 10


def years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # the 29th of February, in a year without one
        return day.replace(year=day.year + years, day=28)


def near_today(form, field):
    """The field's date, when given, is within ten years of today either way."""
    if field.data is None:
        return
    first, last = years_from(today(), -DATE_REACH_YEARS), years_from(today(), DATE_REACH_YEARS)
    if not first <= field.data <= last:
        raise ValidationError(
            _(
                "Give a date between %(first)s and %(last)s.",
                first=format_date(first, "medium"),
                last=format_date(last, "medium"),
            )
        )


def after(other_name: str, message):
    """The field's date, when given, comes after the other field's date."""

    def check(form, field):
        other = form[other_name].data
        if field.data and other and field.data <= other:
            raise ValidationError(message)

    return check


class SiteForm(FlaskForm):
    name = StringField(
        _l("Name coordinators use"),
        validators=[InputRequired(), Length(max=120)],
        description=_l("It shows on the calendar: never the host's name or the street."),
    )
    kind = SelectField(_l("Kind"), choices=options(SITE_KINDS))
    capacity = IntegerField(
        _l("Beds"),
        validators=[
            InputRequired(message=_l("Give the number of beds.")),
            NumberRange(min=1, max=500, message=_l("A site has 1 to 500 beds.")),
        ],
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    host_name = StringField(_l("Host or contact person"), validators=[Optional(), Length(max=200)])
    host_phone = StringField(
        _l("Host phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+() .\-]+$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
    )
    host_email = EmailField(_l("Host email"), validators=[Optional(), Email(), Length(max=254)])
    confidential_notes = TextAreaField(_l("Confidential notes"), validators=[Optional(), Length(max=4000)])
    accepts = MultiCheckboxField(_l("Accepts"), choices=options(ACCEPTS))
    languages = MultiCheckboxField(lazy_pgettext("site", "Languages spoken"), choices=options(LANGUAGES))
    available_from = DateField(
        _l("Offers beds from"), validators=[InputRequired(message=_l("Give the first day.")), near_today]
    )
    available_until = DateField(
        _l("Guests leave by"),
        validators=[
            Optional(),
            after("available_from", _l("This day must come after the first day of the offer.")),
            near_today,
        ],
        description=_l("The last move-out day the host offers. Leave it empty when the offer has no end."),
    )
    vetting_status = SelectField(_l("Vetting"), choices=options(VETTING), default="new")
    home_visit_on = DateField(_l("Home visit on"), validators=[Optional(), near_today])
    background_check_on = DateField(_l("Background check on"), validators=[Optional(), near_today])
    paused = BooleanField(_l("Paused"), description=_l("A paused site keeps its guests but takes no new placements."))

    def site_data(self) -> dict:
        data = {
            name: self[name].data
            for name in (
                "name",
                "kind",
                "capacity",
                "address",
                "host_name",
                "host_phone",
                "host_email",
                "confidential_notes",
                "available_from",
                "available_until",
                "vetting_status",
                "home_visit_on",
                "background_check_on",
                "paused",
            )
        }
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip() or None
        data["accepts"] = sorted(self.accepts.data or [])
        data["languages"] = sorted(self.languages.data or [])
        return data


class PersonSearchForm(FlaskForm):
    q = StringField(_l("Find the person by name or alias"), validators=[Optional(), Length(max=120)])


class RequestForm(FlaskForm):
    household_size = IntegerField(
        _l("People in the household"),
        validators=[
            InputRequired(message=_l("Give the number of people.")),
            NumberRange(
                min=1, max=MAX_HOUSEHOLD, message=_l("A household has 1 to %(max)s people.", max=MAX_HOUSEHOLD)
            ),
        ],
        description=_l("Everyone who needs a bed, the person included."),
    )
    needs = MultiCheckboxField(_l("Needs"), choices=options(NEEDS))
    urgency = SelectField(_l("Urgency"), choices=options(URGENCIES), default="normal")
    wanted_from = DateField(_l("Needs a bed from"), validators=[InputRequired(message=_l("Give a date.")), near_today])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def request_data(self) -> dict:
        return {
            "household_size": self.household_size.data,
            "needs": sorted(self.needs.data or []),
            "urgency": self.urgency.data,
            "wanted_from": self.wanted_from.data,
            "notes": (self.notes.data or "").strip() or None,
        }


class PlacementForm(FlaskForm):
    site = RecordField(_l("Site"), validate_choice=False)  # the service says why a site cannot be had
    start = DateField(
        _l("Move-in day"),
        validators=[InputRequired(message=_l("Give the move-in day.")), near_today],
        description=_l("The first night."),
    )
    end = DateField(
        _l("Move-out day"),
        validators=[Optional(), after("start", _l("The move-out day must come after the move-in day.")), near_today],
        description=_l(
            "The day they leave; that night is free for the next guest. Leave it empty when the end is open."
        ),
    )


class FindForm(FlaskForm):
    class Meta:
        csrf = False

    beds = IntegerField(
        _l("People in the household"),
        default=1,
        validators=[
            InputRequired(message=_l("Give the number of people.")),
            NumberRange(
                min=1, max=MAX_HOUSEHOLD, message=_l("A household has 1 to %(max)s people.", max=MAX_HOUSEHOLD)
            ),
        ],
    )
    start = DateField(_l("Move-in day"), validators=[InputRequired(message=_l("Give the move-in day.")), near_today])
    end = DateField(
        _l("Move-out day"),
        validators=[Optional(), after("start", _l("The move-out day must come after the move-in day.")), near_today],
        description=_l("Leave it empty when the end is open."),
    )
    needs = MultiCheckboxField(_l("Needs"), choices=options(NEEDS))


class CalendarForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional(), near_today])
    weeks = IntegerField(
        _l("Weeks"),
        default=4,
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_WEEKS, message=_l("Show 1 to %(max)s weeks.", max=MAX_WEEKS)),
        ],
    )


# The placement page shows these forms together: each field has an id of its own (labels point to it).
class MoveInForm(FlaskForm):
    on = DateField(
        _l("Moved in on"), validators=[InputRequired(message=_l("Give the day.")), near_today], id="move-in-on"
    )


class ExtendForm(FlaskForm):
    end = DateField(
        _l("New move-out day"),
        validators=[Optional(), near_today],
        description=_l("Leave it empty for an open end."),
        id="extend-end",
    )


def destination_choices() -> list[SelectChoice]:
    return [
        SelectChoice(code, label, optgroup=EXIT_GROUPS[group]) for code, (group, label) in EXIT_DESTINATIONS.items()
    ]


class MoveOutForm(FlaskForm):
    on = DateField(
        _l("Moved out on"),
        validators=[InputRequired(message=_l("Give the day.")), near_today],
        description=_l("The day they left; their last night was the one before."),
        id="move-out-on",
    )
    destination = SelectField(_l("Where they went"), choices=destination_choices)


class MoveForm(FlaskForm):
    site = RecordField(_l("New site"), validate_choice=False, id="move-site")
    on = DateField(_l("Moves on"), validators=[InputRequired(message=_l("Give the day.")), near_today], id="move-on")
    end = DateField(
        _l("Move-out day at the new site"),
        validators=[Optional(), after("on", _l("The move-out day must come after the move.")), near_today],
        description=_l("Leave it empty when the end is open."),
        id="move-end",
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
