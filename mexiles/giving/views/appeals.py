"""Appeals: staff write, preview and send them; a donor unsubscribes from them without signing in."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ...access import public, staff_only
from ...extensions import csrf
from ...http import page_arg
from ..forms import AppealForm, BounceForm, ConfirmForm
from ..services import appeals, donors
from ..services import gifts as services
from .blueprint import bp


@bp.route("/staff/appeals", methods=["GET", "POST"])
@staff_only
def appeal_list():
    form = AppealForm()
    form.fund.choices = [(0, "—")] + [(f.id, f.name(str(get_locale()))) for f in services.funds(active_only=False)]
    if form.validate_on_submit():
        appeal = appeals.create(form.data_dict(), current_user)
        return redirect(url_for("giving.appeal_detail", appeal_id=appeal.id))
    return render_template("giving/staff/appeals.html", form=form, page=appeals.recent(page_arg()))


@bp.route("/staff/appeals/<int:appeal_id>", methods=["GET", "POST"])
@staff_only
def appeal_detail(appeal_id):
    appeal = appeals.get(appeal_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        queued = appeals.send(appeal, current_user)
        flash(
            ngettext(
                "The appeal is on its way to %(num)s donor.", "The appeal is on its way to %(num)s donors.", queued
            )
            if queued
            else _("Every donor this appeal reaches has been sent it already."),
            "success",
        )
        return redirect(url_for("giving.appeal_detail", appeal_id=appeal.id))
    return render_template(
        "giving/staff/appeal.html",
        appeal=appeal,
        preview=appeals.preview(appeal, current_user),
        form=form,
        locale=str(get_locale()),
    )


@bp.route("/staff/donors/<int:donor_id>/bounced", methods=["POST"])
@staff_only
def donor_bounced(donor_id):
    donor = donors.get_or_404(donor_id)
    form = BounceForm()
    if form.validate_on_submit():
        appeals.set_bounced(donor, form.bounced.data, current_user)
        flash(_("Mail to this address is marked as bouncing.") if form.bounced.data else _("The bounce is cleared."))
    return redirect(url_for("giving.donor_detail", donor_id=donor.id))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token):
    """GET asks to confirm (a link scanner must not unsubscribe anyone); POST unsubscribes at once,
    as a mail program's one-click (RFC 8058) does, with no session and so no CSRF token."""
    if request.method == "POST":
        done = appeals.unsubscribe(token)
        return render_template("giving/unsubscribed.html", done=done), 200 if done else 404
    if appeals.donor_for(token) is None:
        return render_template("giving/unsubscribed.html", done=False), 404
    return render_template("giving/unsubscribe.html", token=token)


csrf.exempt(unsubscribe)
