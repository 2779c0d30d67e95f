"""Email in the recipient's language, through the outbox: written as a job in the transaction of the
change it tells of, handed to SMTP (with MAIL_TIMEOUT) after the commit, retried until accepted."""

from __future__ import annotations

import base64

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMessage

from . import crypto
from .jobs import services as jobs


def send(
    to: str, subject, template: str, *, key: str, locale: str = "en", attachments=(), headers=None, **context
) -> bool:
    """Render ``template`` and ``subject`` (a lazy string) in ``locale`` now, and queue them for ``to``.

    The message is a job in the current transaction: it goes once the caller commits, and never if
    the caller rolls back. ``key`` (required) names the reason for the message, such as
    ``f"tours.confirmed:{event.id}:{event.sequence}"``; with the recipient's address it is the
    job's idempotency key, so one reason reaches one person once: sending again with the same key
    to the same address queues nothing and returns False. ``attachments`` holds (filename,
    bytes, mimetype) triples; ``headers`` extra message headers (an appeal's List-Unsubscribe).
    Returns True when the message was queued.
    """
    subject_text, body = render(subject, template, locale, **context)
    payload = {
        "to": to,
        "subject": subject_text,
        "body": body,
        "attachments": [
            [name, base64.b64encode(content).decode(), mimetype] for name, content, mimetype in attachments
        ],
        "headers": dict(headers or {}),
    }
    return jobs.enqueue("mail", payload, key=recipient_key(key, to)) is not None


def link(endpoint: str, **values) -> str | None:
    """The absolute address of a page, for a message, or None where none can be built: a command
    (cron, the demo) without BASE_URL has no request to take the site from."""
    if not (has_request_context() or current_app.config.get("SERVER_NAME")):
        return None
    return url_for(endpoint, _external=True, **values)


def render(subject, template: str, locale: str, **context) -> tuple[str, str]:
    with force_locale(locale):
        return str(subject), render_template(template, **context)


def recipient_key(key: str, to: str) -> str:
    """The job key of one reason and one recipient; the address only as a keyed hash."""
    return f"mail:{key}:{crypto.cipher().digest('mail-to', to.strip().casefold())}"


def deliver(to: str, subject: str, body: str, attachments=(), headers=None) -> None:
    """Hand one message to the mail server now; raises unless the server accepted it."""
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers or None)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


@jobs.handler("mail")
def _deliver_job(payload: dict) -> None:
    deliver(
        payload["to"],
        payload["subject"],
        payload["body"],
        [(name, base64.b64decode(content), mimetype) for name, content, mimetype in payload["attachments"]],
        payload.get("headers"),  # jobs written before messages carried headers have none
    )
