"""Error pages in the visitor's language."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .refusals import Refusal, refused_page

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Go back, check the form and try again.")),
    403: (_l("You do not have access to this page"), _l("If you think you should, ask an administrator.")),
    404: (_l("Page not found"), _l("The page may have moved, or the address may be mistyped.")),
    405: (_l("That action is not possible here"), _l("Go back and use the buttons on the page.")),
    413: (_l("That upload is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Wait a minute before trying again.")),
    500: (_l("Something went wrong on our side"), _l("Nothing you did caused this. Try again in a moment.")),
}


def _render(code: int):
    title, advice = MESSAGES[code]
    return render_template("errors/error.html", code=code, title=title, advice=advice), code


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda error, code=code: _render(code))

    app.register_error_handler(CSRFError, lambda error: expired_form_page())
    app.register_error_handler(Refusal, refused_page)


def expired_form_page():
    title = _l("This form has expired")
    advice = _l("Reload the page and submit the form again.")
    return render_template("errors/error.html", code=400, title=title, advice=advice), 400
