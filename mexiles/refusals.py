"""The one refusal: a rule said no, and the user is told why in their language.

Every domain's refusal (CareError, AccountError, HousingRefused, StepRefused, …) is a Refusal. Its
arguments are the messages (lazy strings) for the user; a few refusals carry data instead, which
their view words itself (RefundError: the cents still refundable). A view that catches a refusal
shows it with ``flash_refusal`` (or next to a form field); one that does not leaves it to the
app's error handler, which answers 409 with the message on the error page.
"""

from flask import flash, render_template
from flask_babel import lazy_gettext as _l


class Refusal(ValueError):
    """A change or request the rules refuse. A ValueError too, as the domains' refusals were, so
    code that reads a bad value (a webhook's object, a CLI argument) still treats it as one."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    @property
    def messages(self) -> list[str]:
        return [str(message) for message in self.args]


def flash_refusal(refusal: Refusal) -> None:
    for message in refusal.messages:
        flash(message, "error")


def refused_page(refusal: Refusal):
    """A refusal no view caught: the message on the error page, 409 (the rules conflict with the request)."""
    advice = " ".join(refusal.messages) or _l("Go back, check the form and try again.")
    return render_template("errors/error.html", code=409, title=_l("That cannot be done"), advice=advice), 409
