"""Request helpers shared by every domain's views."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import flask
from flask import Response, current_app, request
from flask.sessions import SecureCookieSessionInterface

MAX_PAGE = 10_000
# Room, beyond the largest file a view takes, for the other fields of its form.
UPLOAD_FORM_ROOM = 64 * 1024
# The largest record number a database integer holds.
MAX_RECORD_ID = 2**31 - 1
# Spreadsheets run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain number (-102, 3.5) is no formula, and must stay a number for the spreadsheet's sums.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``: no open redirects."""
    if not target or any(ch in target for ch in "\\\t\r\n\x00") or not target.startswith("/"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return fallback
    return target


def current_page() -> str:
    """Where the language switcher should return to: this page for a GET; after a POST (a form
    shown again with its errors) the page the form was on, since the POST address may not GET."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def page_arg() -> int:
    """The ``page`` query parameter, clamped to a sane range."""
    page = request.args.get("page", 1, type=int)
    return max(1, min(page, MAX_PAGE))


def id_arg(name: str) -> int | None:
    """A record id from the query string: None if absent or no number; 0, which names no record, if
    beyond what an id column holds (the database would refuse to even look it up)."""
    value = request.args.get(name, type=int)
    if value is None:
        return None
    return value if 0 < value <= MAX_RECORD_ID else 0


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_response(header: Sequence[str], rows, filename: str) -> Response:
    """A CSV download whose cells cannot run as spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"},
    )


def takes_uploads(setting: str):
    """A view whose form carries a file of up to ``app.config[setting]`` bytes: its requests may be
    that much larger than MAX_CONTENT_LENGTH (see ``Request``)."""

    def decorator(view):
        view.upload_limit_setting = setting
        return view

    return decorator


def called_by_a_machine(view):
    """A view another service calls, never a browser (Stripe's webhook, which signs each call): its
    requests get none of the per-request work done for people: no rate limit counted, no
    signed-in user looked up or held for a second factor, no session saved. The security headers
    still go on every response."""
    view.called_by_a_machine = True
    return view


def for_a_machine() -> bool:
    """Whether this request is for a ``called_by_a_machine`` view (False before it is matched)."""
    rule = request.url_rule
    if rule is None:
        return False
    return getattr(current_app.view_functions.get(rule.endpoint), "called_by_a_machine", False)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, but a machine's call saves none: no cookie, no Vary: Cookie."""

    def save_session(self, app, session, response) -> None:
        if not for_a_machine():
            super().save_session(app, session, response)


class Request(flask.Request):
    """The app's requests. A view marked ``takes_uploads`` reads bodies up to its own limit; the
    limit is known from the matched route, before any hook reads the form (the CSRF check does), so
    a larger body is refused (413) before anything of it is read. Uploaded files are held in
    memory, never spooled to a temporary file: a case document's plaintext never touches the disk."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and current_app:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            setting = getattr(view, "upload_limit_setting", None)
            if setting:
                return current_app.config[setting] + UPLOAD_FORM_ROOM
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()
