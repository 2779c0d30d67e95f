"""Form pieces shared by every domain."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from . import timeutil
from .money import MAX_AMOUNT, money, to_cents

PASSWORD_MIN = 12
password_length = Length(min=PASSWORD_MIN, max=256, message=_l("Use at least %(min)s characters.", min=PASSWORD_MIN))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or checkbox field, from (value, label) pairs or a {value: label} dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class FiniteAmount:
    """ "NaN", "sNaN" and "Infinity" parse as Decimals, but no amount of money is one, and they
    break every comparison after (a range check, a conversion to cents): stop before those."""

    def __init__(self, message=None):
        self.message = message or _l("Give an amount in dollars and cents, such as 250 or 99.50.")

    def __call__(self, form, field):
        if field.data is not None and not field.data.is_finite():
            field.data = None  # what was typed still comes back from raw_data
            raise StopValidation(self.message)


finite_amount = FiniteAmount()


# --- Bounds that fit the columns --------------------------------------------------------------
# Every count, position, id and amount in cents is an INTEGER column: 32 bits on PostgreSQL (a
# larger value is a 500 there) and kept to the same by these checks on SQLite.
INT_MAX = 2**31 - 1


class AmountRange:
    """An amount between ``minimum`` and ``maximum`` dollars (never above MAX_AMOUNT); a ``minimum``
    of None leaves the lower bound to the form. Runs after ``finite_amount``."""

    def __init__(
        self, minimum: Decimal | str | int | None = 0, maximum: Decimal | str | int = MAX_AMOUNT, message=None
    ):
        self.minimum = None if minimum is None else Decimal(minimum)
        self.maximum = min(Decimal(maximum), MAX_AMOUNT)
        self.message = message

    def __call__(self, form, field):
        if field.data is None:
            return
        if field.data > self.maximum or (self.minimum is not None and field.data < self.minimum):
            field.data = None  # nothing further (a sum, a conversion to cents) works on it
            raise StopValidation(self.message or self._default_message())

    def _default_message(self):
        largest = money(to_cents(self.maximum))
        if self.minimum is None:
            return _l("Give an amount of at most %(max)s.", max=largest)
        return _l("Give an amount between %(min)s and %(max)s.", min=money(to_cents(self.minimum)), max=largest)


def amount_checks(minimum=0, maximum=MAX_AMOUNT, required=False, message=None) -> list:
    """The validators of a money field: given (or optional), a number, within its range."""
    return [DataRequired() if required else Optional(), finite_amount, AmountRange(minimum, maximum, message)]


def whole_number(minimum: int, maximum: int, message=None) -> NumberRange:
    """A count or position within the domain's range, which is always within an INTEGER column's."""
    if not -INT_MAX - 1 <= minimum <= maximum <= INT_MAX:
        raise ValueError("a range beyond what an INTEGER column holds")
    return NumberRange(min=minimum, max=maximum, message=message or _l("Give a whole number from %(min)s to %(max)s."))


class RecordField(SelectField):
    """A record chosen from a list, by its id (0 for "none" where a list offers it). An id no INTEGER
    column can hold is refused here, before it reaches the database; one of a record that is gone
    is refused by the list check, or (with ``validate_choice=False``) by the service."""

    data: int | None

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        message = message or _l("Choose from the list.")
        super().__init__(label, validators, coerce=int, invalid_choice_message=message, **kwargs)

    def pre_validate(self, form):
        if self.data is not None and not 0 <= self.data <= INT_MAX:
            self.data = None
            raise StopValidation(self.invalid_choice_message)
        super().pre_validate(form)


# The languages of the interface, each in its own language.
LANGUAGE_CHOICES = options([("en", "English"), ("es", "Español")])


class ZoneField(SelectField):
    """A time zone chosen from a list, in words in the user's language ("Mountain Time (Denver)"):
    the common zones, and the zone already held when it is another (a talk abroad keeps its own)."""

    def __init__(self, label=None, validators=None, default="America/Denver", **kwargs):
        super().__init__(label, validators, default=default, **kwargs)

    def _zones(self) -> list[str]:
        held = (self.data or "").strip()
        return [
            *timeutil.COMMON_ZONES,
            *([held] if held not in timeutil.COMMON_ZONES and timeutil.zone_known(held) else []),
        ]

    def iter_choices(self):
        self.choices = options((zone, timeutil.zone_name(zone)) for zone in self._zones())
        return super().iter_choices()

    def pre_validate(self, form):
        if not timeutil.zone_known((self.data or "").strip()):
            raise StopValidation(_l("Choose a time zone from the list."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmedForm(FlaskForm):
    """A change that cannot be taken back from the page (a withdrawal, a cancellation): posted only
    with its box ticked. A box, not a script's dialog, so that it works without JavaScript."""

    confirm = BooleanField(validators=[DataRequired(message=_l("Tick the box to confirm. Nothing was changed."))])
