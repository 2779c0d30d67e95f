"""Emergency assistance pages: parse the request, call a service, render. Staff only; the case team
and admins see a request, admins decide and pay."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import staff_only
from ..forms import options
from ..giving import services as giving
from ..http import csv_response, takes_uploads
from ..people import services as people
from ..refusals import flash_refusal
from . import services, vocabulary
from .forms import AskForm, DecideForm, FiguresPeriodForm, PayForm
from .services import AssistanceRefused

bp = Blueprint("assistance", __name__, url_prefix="/assistance")


@bp.app_context_processor
def _vocabulary():
    return {"assistance_vocabulary": vocabulary}


def _refused(form, refusal: AssistanceRefused) -> None:
    if refusal.field and refusal.field in form:
        form[refusal.field].errors = list(form[refusal.field].errors) + refusal.messages
    else:
        flash_refusal(refusal)


@bp.route("/")
@staff_only
def listing():
    rows = services.requests.listing(current_user)
    return render_template("assistance/list.html", rows=rows, unpaid=False)


@bp.route("/unpaid")
@staff_only
def unpaid():
    rows = services.requests.listing(current_user, status="approved")
    return render_template("assistance/list.html", rows=rows, unpaid=True)


@bp.route("/new/<int:person_id>", methods=["GET", "POST"])
@staff_only
def ask(person_id):
    person = people.get(person_id) or abort(404)
    if not services.requests.open_form(person, current_user):
        abort(403)
    form = AskForm()
    form.fund_id.choices = options([(f.id, f.name(str(get_locale()))) for f in giving.funds()])
    if form.validate_on_submit():
        try:
            created = services.requests.ask(person, form.data_for_service(), by=current_user)
        except AssistanceRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("The request for %(alias)s waits for an admin's decision.", alias=person.alias), "success")
            return redirect(url_for("assistance.detail", request_id=created.id))
    return render_template("assistance/ask.html", form=form, person=person)


def _page(request_id: int):
    found = services.requests.get(request_id) or abort(404)
    return services.requests.view(found, current_user) or abort(403)


@bp.route("/<int:request_id>")
@staff_only
def detail(request_id):
    page = _page(request_id)
    return render_template("assistance/detail.html", page=page, decide_form=DecideForm(), pay_form=PayForm())


@bp.route("/<int:request_id>/decide", methods=["POST"])
@staff_only
def decide(request_id):
    if not services.may_decide(current_user):
        abort(403)
    page = _page(request_id)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            services.requests.decide(
                page.request,
                current_user,
                approve=form.decision.data == "approve",
                note=form.note.data,
                override=form.override.data,
                override_reason=form.override_reason.data,
            )
        except AssistanceRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("The decision is saved."), "success")
            return redirect(url_for("assistance.detail", request_id=request_id))
    page = _page(request_id)
    return render_template("assistance/detail.html", page=page, decide_form=form, pay_form=PayForm()), 400


@bp.route("/<int:request_id>/pay", methods=["POST"])
@staff_only
@takes_uploads("DOCUMENT_MAX_BYTES")
def pay(request_id):
    if not services.may_decide(current_user):
        abort(403)
    page = _page(request_id)
    form = PayForm()
    if form.validate_on_submit():
        try:
            services.requests.pay(
                page.request, current_user, form.paid_on.data, form.method.data, receipt=form.receipt.data
            )
        except AssistanceRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("The payment is recorded."), "success")
            return redirect(url_for("assistance.detail", request_id=request_id))
    page = _page(request_id)
    return render_template("assistance/detail.html", page=page, decide_form=DecideForm(), pay_form=form), 400


@bp.errorhandler(RequestEntityTooLarge)
def receipt_too_large(error):
    """A receipt past the upload limit is refused before any of it is read (nothing is paid, nothing
    stored); an admin gets the request's page again with the reason, anyone else the plain error page."""
    request_id = (request.view_args or {}).get("request_id")
    found = services.requests.get(request_id) if request_id and current_user.is_authenticated else None
    page = services.requests.view(found, current_user) if found and services.may_decide(current_user) else None
    if request.endpoint != "assistance.pay" or page is None:
        return render_template("errors/error.html", code=413, title=_("That upload is too large"), advice=""), 413
    form = PayForm(formdata=None)
    form.receipt.errors = [people.documents.too_large_message()]
    return render_template(
        "assistance/detail.html", page=page, decide_form=DecideForm(formdata=None), pay_form=form
    ), 413


def _period(form: FiguresPeriodForm):
    """The dates asked for, or none (the last twelve months) when the form has errors."""
    return (form.since.data, form.until.data) if form.validate() else (None, None)


@bp.route("/figures")
@staff_only
def figures():
    form = FiguresPeriodForm(request.args)
    figures = services.figures.staff_figures(current_user, *_period(form))
    if not form.errors:
        form.since.data, form.until.data = figures.since, figures.until  # show the period the figures cover
    return render_template(
        "assistance/figures.html", figures=figures, form=form, public_minimum=services.PUBLIC_MINIMUM
    )


@bp.route("/figures.csv")
@staff_only
def export():
    header, rows = services.figures.export_rows(current_user, *_period(FiguresPeriodForm(request.args)))
    return csv_response(list(header), rows, "fund-figures.csv")
