"""Email in the recipient's language, through the configured backend (SMTP in production)."""
from __future__ import annotations

import logging
import smtplib

from flask import render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage

log = logging.getLogger(__name__)


def send(to: str, subject, template: str, locale: str = "en", attachments=(), key: str | None = None,
         **context) -> bool:
    """Render ``template`` and ``subject`` (a lazy string) in ``locale`` and send them to ``to``.

    ``attachments`` holds (filename, bytes, mimetype) triples. A mail server that is down must not
    undo the work that asked for the message: the failure is logged and False returned.
    ``key`` names the message for the outbox that will send it once (accepted, not yet used).
    """
    with force_locale(locale):
        body = render_template(template, **context)
        subject_text = str(subject)
    message = EmailMessage(subject=subject_text, body=body, to=[to])
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %r", template)
        return False
    return True
