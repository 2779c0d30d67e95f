from flask_wtf import FlaskForm


class RetryForm(FlaskForm):
    """The retry button: only its CSRF token is checked."""
