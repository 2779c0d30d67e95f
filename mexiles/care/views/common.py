"""What the care pages share: paging, CSV downloads, and finding a referral for its case team or counselor."""
import csv
import io

from flask import Response, abort, request
from flask_login import current_user

from ...access import Role
from .. import services

MAX_PAGE = 10_000
# Spreadsheets run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_response(header, rows, filename: str) -> Response:
    """A CSV download whose cells cannot run as spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + str(v) if str(v).startswith(FORMULA_PREFIXES) else v for v in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


def page_arg() -> int:
    """The ``page`` query parameter, kept to a range the database can page through."""
    return max(1, min(request.args.get("page", 1, type=int), MAX_PAGE))


def find_or_abort(referral_id: int) -> services.ReferralAccess:
    """The referral as the current user may handle it; 404 when they may not know it exists.

    Staff outside the person's case team get 403 (they know the person exists); a counselor gets
    404 for anything not sent to their own provider.
    """
    access = services.find(current_user, referral_id)
    if access is None:
        abort(404)
    if access.person is None:
        abort(403 if current_user.has_any_role(Role.STAFF) else 404)
    return access
