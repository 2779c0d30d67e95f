"""The private calendar of a user's case deadlines: a page to get or reset its address, and the feed."""

from flask import Response, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import public, staff_only
from ..forms import ActionForm
from ..services import feed as deadline_feed
from .blueprint import bp


@bp.route("/deadlines/feed", methods=["GET", "POST"])
@staff_only
def feed_settings():
    form = ActionForm()
    url = None
    if form.validate_on_submit():
        token = deadline_feed.reset(current_user)
        url = url_for("people.feed", token=token, _external=True)
        flash(_("Your calendar has a new address; the old one no longer works."), "success")
    return render_template("people/feed.html", form=form, url=url, has_feed=deadline_feed.has_feed(current_user))


@bp.route("/deadlines/feed/<token>.ics")
@public
def feed(token):
    # Calendar apps cannot sign in: the secret in the address is the key, and only its hash is kept.
    user = deadline_feed.owner_of(token) or abort(404)
    response = Response(deadline_feed.calendar(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
