from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..access import Role
from ..forms import LANGUAGE_CHOICES, MultiCheckboxField, options, password_length

ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.COUNSELOR: _l("Counselor"),
    Role.SPEAKER: _l("Speaker"),
    Role.DONOR: _l("Donor"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class RequestResetForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_length])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class SettingsForm(FlaskForm):
    full_name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(), Email(), Length(max=254)])
    current_password = PasswordField(_l("Your current password"), validators=[DataRequired()])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Your current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_length])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"},
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )
    remember_device = BooleanField(_l("Remember this device for 30 days"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryResetForm(FlaskForm):
    code = StringField(
        _l("One of your recovery codes"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "off"},
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)
    roles = MultiCheckboxField(
        _l("Roles"), choices=options(ROLE_LABELS), validators=[DataRequired(message=_l("Choose at least one role."))]
    )


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=options(ROLE_LABELS))


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
