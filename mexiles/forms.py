"""Form pieces shared by every domain."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation

PASSWORD_MIN = 12
password_length = Length(min=PASSWORD_MIN, max=256,
                         message=_l("Use at least %(min)s characters.", min=PASSWORD_MIN))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or checkbox field, from (value, label) pairs or a {value: label} dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class FiniteAmount:
    """"NaN", "sNaN" and "Infinity" parse as Decimals, but no amount of money is one, and they
    break every comparison after (a range check, a conversion to cents): stop before those."""

    def __init__(self, message=None):
        self.message = message or _l("Give an amount in dollars and cents, such as 250 or 99.50.")

    def __call__(self, form, field):
        if field.data is not None and not field.data.is_finite():
            field.data = None  # what was typed still comes back from raw_data
            raise StopValidation(self.message)


finite_amount = FiniteAmount()
