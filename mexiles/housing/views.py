"""Housing pages: parse the request, call a service, render. Coordinators and admins only."""

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import staff_only
from ..forms import ConfirmedForm, options
from ..http import csv_response, id_arg, page_arg
from ..people import services as people
from ..people.vocabulary import LANGUAGES
from ..refusals import flash_refusal
from . import services, vocabulary
from .forms import (
    CalendarForm,
    ConfirmForm,
    ExtendForm,
    FindForm,
    MoveForm,
    MoveInForm,
    MoveOutForm,
    PersonSearchForm,
    PlacementForm,
    RequestForm,
    SiteForm,
)
from .services import HousingRefused

bp = Blueprint("housing", __name__, url_prefix="/housing")
CHART_DAYS_BEFORE = 84


@bp.app_context_processor
def _vocabulary():
    return {"housing_vocabulary": vocabulary}


def _refused(form, refusal: HousingRefused) -> None:
    """Show a refusal next to the field at fault, or above the form."""
    if refusal.field and refusal.field in form:
        form[refusal.field].errors = list(form[refusal.field].errors) + refusal.messages
    else:
        flash_refusal(refusal)


def _site_choices():
    return options([(s.id, s.name) for s in services.sites.choices()])


# --- Calendar and figures -------------------------------------------------------------------


@bp.route("/")
@staff_only
def calendar():
    form = CalendarForm(request.args)
    tonight = services.today()
    first, weeks = tonight, 4
    if form.validate():
        first, weeks = form.start.data or tonight, form.weeks.data or 4
    days = weeks * 7
    grid = services.occupancy.calendar(first, days)
    chart = services.figures.occupancy_chart(first - dt.timedelta(days=CHART_DAYS_BEFORE), CHART_DAYS_BEFORE + days)
    return render_template(
        "housing/calendar.html",
        form=form,
        grid=grid,
        chart=chart,
        tonight=tonight,
        weeks=weeks,
        earlier=first - dt.timedelta(days=days),
        later=first + dt.timedelta(days=days),
    )


@bp.route("/figures")
@staff_only
def figures():
    numbers = services.figures.figures()
    bars = services.figures.month_bars(numbers.nights_by_month)
    return render_template("housing/figures.html", numbers=numbers, bars=bars)


# --- Sites ----------------------------------------------------------------------------------


@bp.route("/sites")
@staff_only
def sites():
    return render_template("housing/sites.html", rows=services.sites.listing())


@bp.route("/sites/new", methods=["GET", "POST"])
@staff_only
def site_create():
    form = SiteForm()
    if request.method == "GET":
        form.available_from.data = services.today()
    if form.validate_on_submit():
        try:
            site = services.sites.create(form.site_data(), by=current_user)
        except HousingRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("%(site)s is saved.", site=site.name), "success")
            return redirect(url_for("housing.site", site_id=site.id))
    return render_template("housing/site_form.html", form=form, site=None)


@bp.route("/sites/<int:site_id>")
@staff_only
def site(site_id):
    found = services.sites.get(site_id) or abort(404)
    services.sites.view(found, current_user)
    guests = services.placements.current(current_user, site_id=found.id)
    return render_template(
        "housing/site.html", site=found, guests=guests, tonight=services.today(), languages=LANGUAGES
    )


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@staff_only
def site_edit(site_id):
    found = services.sites.get(site_id) or abort(404)
    if request.method == "GET":
        services.sites.view(found, current_user)  # the form shows the confidential details too
    form = SiteForm(obj=found) if request.method == "GET" else SiteForm()
    if form.validate_on_submit():
        try:
            changed = services.sites.update_site(found, form.site_data(), by=current_user)
        except HousingRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("housing.site", site_id=found.id))
    return render_template("housing/site_form.html", form=form, site=found)


# --- Requests and the waitlist ----------------------------------------------------------------


@bp.route("/waitlist")
@staff_only
def waitlist():
    page, rows = services.waitlist.waitlist(current_user, page_arg())
    return render_template("housing/waitlist.html", page=page, rows=rows)


@bp.route("/requests/new", methods=["GET", "POST"])
@staff_only
def request_create():
    person_id = id_arg("person")
    if person_id is None:
        return _pick_person()
    person = people.get(person_id) or abort(404)
    if not services.may_act_for(current_user, person):
        abort(403)
    form = RequestForm()
    if request.method == "GET":
        form.household_size.data = person.household_size
        form.wanted_from.data = services.today()
        form.needs.data = sorted(
            {"children" for m in person.household if m.relationship_code == "child"}
            | ({"families"} if person.household else set())
        )
    if form.validate_on_submit():
        try:
            req = services.waitlist.open_request(person, form.request_data(), by=current_user)
        except HousingRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("%(alias)s is on the waitlist.", alias=person.alias), "success")
            return redirect(url_for("housing.request_detail", request_id=req.id))
    people.view(person, current_user)  # the form shows who it is for, and their household
    return render_template("housing/request_form.html", form=form, person=person, req=None)


def _pick_person():
    # Searches are POSTed: part of a legal name must not end up in access logs or browser history.
    form = PersonSearchForm()
    rows = []
    if form.validate_on_submit() and form.q.data:
        try:
            rows = people.search(current_user, form.q.data)
        except people.SearchTooShort as too_short:
            form.q.errors.append(_("Type at least %(count)s letters.", count=too_short.args[0]))
    return render_template("housing/request_pick.html", form=form, rows=rows)


def _request_for_user(request_id):
    req = services.waitlist.get(request_id) or abort(404)
    person = services.waitlist.person_of(req)
    if not services.may_act_for(current_user, person):
        abort(403)
    return req, person


def _request_page(req, person, place_form=None, status=200, withdraw_form=None):
    if place_form is None:
        place_form = PlacementForm(start=max(req.wanted_from, services.today()))
        place_form.site.choices = _site_choices()
    return render_template(
        "housing/request.html",
        req=req,
        person=person,
        place_form=place_form,
        withdraw_form=withdraw_form or ConfirmedForm(),
        placements=services.waitlist.placements_of(req),
        opened_on=services.local_date(req.opened_at),
        waited=services.waitlist.waited_days(req, services.today()),
    ), status


@bp.route("/requests/<int:request_id>")
@staff_only
def request_detail(request_id):
    req, person = _request_for_user(request_id)
    services.waitlist.view(req, current_user)
    return _request_page(req, person)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@staff_only
def request_edit(request_id):
    req, person = _request_for_user(request_id)
    form = RequestForm(obj=req) if request.method == "GET" else RequestForm()
    if form.validate_on_submit():
        try:
            changed = services.waitlist.update(req, form.request_data(), by=current_user)
        except HousingRefused as refusal:
            _refused(form, refusal)
        else:
            flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("housing.request_detail", request_id=req.id))
    services.waitlist.view(req, current_user)
    return render_template("housing/request_form.html", form=form, person=person, req=req)


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@staff_only
def request_withdraw(request_id):
    req, person = _request_for_user(request_id)
    form = ConfirmedForm()
    if not form.validate_on_submit():
        services.waitlist.view(req, current_user)
        return _request_page(req, person, status=400, withdraw_form=form)
    try:
        services.waitlist.withdraw(req, by=current_user)
        flash(_("The request is withdrawn."), "success")
    except HousingRefused as refusal:
        flash_refusal(refusal)
    return redirect(url_for("housing.request_detail", request_id=req.id))


@bp.route("/requests/<int:request_id>/place", methods=["POST"])
@staff_only
def request_place(request_id):
    req, person = _request_for_user(request_id)
    form = PlacementForm()
    form.site.choices = _site_choices()
    if form.validate_on_submit():
        try:
            # No site chosen (None) is refused by the service as 0 is: no site has that id.
            placement = services.placements.place(
                req, form.site.data or 0, form.start.data, form.end.data, by=current_user
            )
        except HousingRefused as refusal:
            _refused(form, refusal)
            return _request_page(req, person, form, status=409)
        flash(_("%(alias)s is placed at %(site)s.", alias=person.alias, site=placement.site.name), "success")
        return redirect(url_for("housing.placement", placement_id=placement.id))
    return _request_page(req, person, form)


@bp.route("/find")
@staff_only
def find():
    """Sites with enough free beds on every night, best fit first; from a request, with its household."""
    req = person = None
    if "request" in request.args:
        req, person = _request_for_user(id_arg("request") or 0)
        services.waitlist.view(req, current_user)
    searching = "start" in request.args
    form = (
        FindForm(request.args)
        if searching or not req
        else FindForm(beds=req.household_size, start=max(req.wanted_from, services.today()), needs=req.needs)
    )
    fits = others = None
    if (searching and form.validate()) or (req and not searching):
        fits, others = services.occupancy.find_beds(
            form.beds.data,
            form.start.data,
            form.end.data,
            form.needs.data,
            language=person.language if person else None,
        )
    return render_template(
        "housing/find.html",
        form=form,
        req=req,
        person=person,
        fits=fits,
        others=others,
        confirm=ConfirmForm(),
        languages=LANGUAGES,
    )


# --- Placements -------------------------------------------------------------------------------


@bp.route("/placements")
@staff_only
def placements():
    return render_template(
        "housing/placements.html", guests=services.placements.current(current_user), tonight=services.today()
    )


@bp.route("/placements.csv")
@staff_only
def export():
    header, rows = services.figures.export_rows(current_user)
    return csv_response(list(header), rows, "placements.csv")


def _placement_for_user(placement_id):
    placement = services.placements.get(placement_id) or abort(404)
    person = people.get(placement.person_id)
    if not services.may_act_for(current_user, person):
        abort(403)
    return placement, person


def _placement_page(placement, person, status=200, **bound):
    tonight = services.today()
    forms: dict[str, Any] = {
        "move_in": MoveInForm(on=tonight),
        "extend": ExtendForm(end=placement.end_on),
        "move_out": MoveOutForm(on=tonight),
        "move": MoveForm(on=tonight),
        "cancel": ConfirmedForm(),
    }
    forms.update(bound)
    forms["move"].site.choices = options(
        [(s.id, s.name) for s in services.sites.choices() if s.id != placement.site_id]
    )
    return render_template(
        "housing/placement.html", placement=placement, person=person, forms=forms, tonight=tonight
    ), status


@bp.route("/placements/<int:placement_id>")
@staff_only
def placement(placement_id):
    found, person = _placement_for_user(placement_id)
    services.placements.view(found, current_user)
    return _placement_page(found, person)


def _change(placement_id, name, form_class, act, done):
    """One step of a placement (move in, extend, move out, move, cancel): the same shape each time."""
    found, person = _placement_for_user(placement_id)
    form = form_class()
    if name == "move":
        form.site.choices = _site_choices()
    if form.validate_on_submit():
        try:
            result = act(found, form)
        except HousingRefused as refusal:
            _refused(form, refusal)
            return _placement_page(found, person, status=409, **{name: form})
        flash(done, "success")
        return redirect(url_for("housing.placement", placement_id=result.id))
    return _placement_page(found, person, **{name: form})


@bp.route("/placements/<int:placement_id>/move-in", methods=["POST"])
@staff_only
def move_in(placement_id):
    return _change(
        placement_id,
        "move_in",
        MoveInForm,
        lambda p, f: services.placements.move_in(p, f.on.data, by=current_user),
        _("The move-in is recorded."),
    )


@bp.route("/placements/<int:placement_id>/extend", methods=["POST"])
@staff_only
def extend(placement_id):
    return _change(
        placement_id,
        "extend",
        ExtendForm,
        lambda p, f: services.placements.extend(p, f.end.data, by=current_user),
        _("The end date is changed."),
    )


@bp.route("/placements/<int:placement_id>/move-out", methods=["POST"])
@staff_only
def move_out(placement_id):
    return _change(
        placement_id,
        "move_out",
        MoveOutForm,
        lambda p, f: services.placements.move_out(p, f.on.data, f.destination.data, by=current_user),
        _("The move-out is recorded."),
    )


@bp.route("/placements/<int:placement_id>/move", methods=["POST"])
@staff_only
def move(placement_id):
    return _change(
        placement_id,
        "move",
        MoveForm,
        lambda p, f: services.placements.move(p, f.site.data, f.on.data, f.end.data, by=current_user),
        _("The move is recorded."),
    )


@bp.route("/placements/<int:placement_id>/cancel", methods=["POST"])
@staff_only
def cancel(placement_id):
    return _change(
        placement_id,
        "cancel",
        ConfirmedForm,
        lambda p, f: services.placements.cancel(p, by=current_user),
        _("The placement is cancelled; the request is back on the waitlist if nothing else holds."),
    )
