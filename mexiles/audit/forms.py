from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError


def sane_year(form, field):
    if field.data and not 2000 <= field.data.year <= 2999:
        raise ValidationError(_l("Choose a date between the years 2000 and 2999."))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # Chosen from a list, so that no part of a name or an address travels in the query string.
    actor = SelectField(_l("Who (email)"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    subject_type = SelectField(_l("Record type"), validators=[Optional()], validate_choice=False)
    subject_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional(), sane_year])
    until = DateField(_l("Until"), validators=[Optional(), sane_year])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))
