"""Stewardship for staff: the lists of donors to thank or win back, thanks, suggested duplicates."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import timeutil
from ...access import staff_only
from ...http import page_arg, safe_next
from ...money import to_cents
from ..forms import ConfirmForm, StewardshipForm, ThanksForm
from ..services import donors, duplicates, reports, stewardship
from ..services import gifts as services
from .blueprint import bp


def _chosen() -> tuple[StewardshipForm, str, int, int, int]:
    """The list, year and threshold asked for (the defaults when the form is not valid), and the
    status the page answers with."""
    form = StewardshipForm(request.args)
    valid = form.validate()
    year = form.year.data if valid and form.year.data else timeutil.today().year
    if year not in reports.years():
        form.year.errors = [
            _("Reports cover the years %(first)s to %(last)s.", first=reports.years()[0], last=reports.years()[-1])
        ]
        year, valid = timeutil.today().year, False
    threshold = to_cents(form.minimum.data) if valid and form.minimum.data else stewardship.DEFAULT_THRESHOLD_CENTS
    kind = form.list.data if form.list.data in stewardship.LISTS else "lybunt"
    return form, kind, year, threshold, 200 if valid or not request.args else 400


@bp.route("/staff/stewardship")
@staff_only
def stewardship_list():
    form, kind, year, threshold, status = _chosen()
    page = stewardship.listing(kind, year, threshold, page_arg(), current_user)
    return render_template(
        "giving/staff/stewardship.html",
        form=form,
        page=page,
        kind=kind,
        year=year,
        threshold=threshold,
        thanks_form=ThanksForm(),
        arguments={"list": kind, "year": year, "minimum": f"{threshold / 100:.2f}"},
    ), status


@bp.route("/staff/stewardship.csv")
@staff_only
def stewardship_export():
    _form, kind, year, threshold, _status = _chosen()
    return stewardship.export_csv(kind, year, threshold, current_user)


@bp.route("/staff/donors/<int:donor_id>/thanks", methods=["POST"])
@staff_only
def donor_thanks(donor_id):
    donor = donors.get_or_404(donor_id)
    form = ThanksForm()
    back = safe_next(form.back.data, url_for("giving.donor_detail", donor_id=donor.id))
    if not form.validate_on_submit():
        flash(_("Choose how the donor was thanked."), "error")
        return redirect(back)
    gift = services.get_gift(form.gift.data) if form.gift.data else None
    if gift is not None and gift.donor_id != donor.id:
        abort(404)
    stewardship.thank(donor, form.method.data, gift, current_user)
    flash(_("Thanks recorded."), "success")
    return redirect(back)


@bp.route("/staff/duplicates")
@staff_only
def duplicate_list():
    return render_template("giving/staff/duplicates.html", suggestions=duplicates.suggestions(current_user))


@bp.route("/staff/donors/<int:donor_id>/merge/<int:into_id>", methods=["GET", "POST"])
@staff_only
def donor_merge(donor_id, into_id):
    duplicate, into = donors.get_or_404(donor_id), donors.get_or_404(into_id)
    if duplicate.id == into.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        donors.merge(duplicate, into, current_user)
        flash(_("The two donors are merged."), "success")
        return redirect(url_for("giving.donor_detail", donor_id=into.id))
    return render_template(
        "giving/staff/merge.html",
        duplicate=duplicate,
        into=into,
        moves=duplicates.preview(duplicate, into, current_user),
        form=form,
    )
