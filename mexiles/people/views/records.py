from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import Role, staff_only
from ...accounts import services as accounts
from ...forms import options
from ...http import csv_response, page_arg
from .. import services, vocabulary
from ..forms import EXTRA_HOUSEHOLD_ROWS, ActionForm, NoteForm, PersonForm, SearchForm, TeamForm
from ..services import FIELDS
from .blueprint import bp
from .timeline_sources import PROVIDERS


def _person_or_404(person_id: int):
    return services.get(person_id) or abort(404)


@bp.route("/", methods=["GET", "POST"])
@staff_only
def index():
    # Searches are POSTed: part of a legal name must not end up in access logs or browser history.
    form = SearchForm()
    rows, page = [], None
    if form.validate_on_submit() and form.q.data:
        try:
            rows = services.search(current_user, form.q.data)
        except services.SearchTooShort as too_short:
            form.q.errors.append(_("Type at least %(count)s letters.", count=too_short.args[0]))
    else:
        page, rows = services.listing(current_user, page_arg())
    return render_template("people/index.html", form=form, rows=rows, page=page)


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def create():
    form = PersonForm()
    if form.validate_on_submit():
        person = services.create(form.person_data(), form.household_data(), by=current_user)
        flash(_("The record is saved."), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=None)


@bp.route("/<int:person_id>")
@staff_only
def detail(person_id):
    person = _person_or_404(person_id)
    full = services.view(person, current_user)
    if not full:
        return render_template("people/detail.html", person=person, full=False)
    team_form = TeamForm(members=[u.id for u in person.team])
    team_form.members.choices = options((u.id, u.display_name) for u in accounts.users_with_role(Role.COORDINATOR))
    return render_template(
        "people/detail.html",
        person=person,
        full=True,
        team_form=team_form,
        vocabulary=vocabulary,
        case=services.immigration.case_of(person),
        pinned=services.notes.pinned_of(person),
        due=[d for d in services.deadlines.deadlines_of(person) if d.state != "done"],
        timeline=services.timeline.page_of(person, current_user, PROVIDERS, page_arg()),
        note_form=NoteForm(formdata=None),
        action=ActionForm(),
    )


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(person_id):
    person = _person_or_404(person_id)
    if not services.may_edit(current_user, person):
        abort(403)
    if request.method == "GET":
        services.view(person, current_user)
        data = {name: getattr(person, name) for name in FIELDS}
        data["household"] = [
            {"name": m.name, "relationship": m.relationship_code, "birth_year": m.birth_year} for m in person.household
        ]
        form = PersonForm(data=data)
        for _row in range(EXTRA_HOUSEHOLD_ROWS):
            form.household.append_entry()
    else:
        form = PersonForm()
    if form.validate_on_submit():
        changed = services.update(person, form.person_data(), form.household_data(), by=current_user)
        flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.route("/<int:person_id>/team", methods=["POST"])
@staff_only
def team(person_id):
    person = _person_or_404(person_id)
    if not services.may_edit(current_user, person):
        abort(403)
    form = TeamForm()
    coordinators = accounts.users_with_role(Role.COORDINATOR)
    form.members.choices = options((u.id, u.display_name) for u in coordinators)
    if form.validate_on_submit():
        if not form.members.data:
            flash(_("A case team needs at least one coordinator."), "error")
        else:
            services.set_team(person, accounts.users_by_ids(form.members.data), by=current_user)
            flash(_("Case team saved."), "success")
    else:
        flash(_("Choose coordinators from the list."), "error")
    return redirect(url_for("people.detail", person_id=person.id))


@bp.route("/export.csv")
@staff_only
def export():
    header, rows = services.export_rows(current_user)
    return csv_response(header, rows, "people.csv")
