"""Form pieces shared by every domain."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

PASSWORD_MIN = 12
password_length = Length(min=PASSWORD_MIN, max=256,
                         message=_l("Use at least %(min)s characters.", min=PASSWORD_MIN))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or checkbox field, from (value, label) pairs or a {value: label} dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]
