"""The case file's own pages: notes, the immigration case, deadlines and tasks. Only the case team
and admins reach them (as the person record); everyone else is refused with 403."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import staff_only
from ...forms import options
from ...refusals import flash_refusal
from .. import services, vocabulary
from ..forms import (
    ActionForm,
    CaseDateForm,
    CorrectionForm,
    DetentionForm,
    ImmigrationCaseForm,
    NoteForm,
    TaskForm,
)
from ..services import CaseFileRefused, deadlines, immigration, notes
from .blueprint import bp


def case_file_or_abort(person_id: int):
    person = services.get(person_id) or abort(404)
    if not services.may_see_full(current_user, person):
        abort(403)
    return person


def _refused(refusal: CaseFileRefused) -> None:
    flash_refusal(refusal)


# --- Notes ---------------------------------------------------------------------------------


@bp.route("/<int:person_id>/notes", methods=["POST"])
@staff_only
def add_note(person_id):
    person = case_file_or_abort(person_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            notes.add(person, form.body.data, by=current_user, pinned=form.pinned.data)
            flash(_("The note is added."), "success")
        except CaseFileRefused as refusal:
            _refused(refusal)
    else:
        flash(_("Write the note first (at most 10,000 characters)."), "error")
    return redirect(url_for("people.detail", person_id=person.id) + "#notes")


@bp.route("/<int:person_id>/notes/<int:note_id>")
@staff_only
def note(person_id, note_id):
    person = case_file_or_abort(person_id)
    found = notes.view(person, note_id) or abort(404)
    return render_template("people/note.html", person=person, found=found, form=CorrectionForm(), action=ActionForm())


@bp.route("/<int:person_id>/notes/<int:note_id>/correct", methods=["POST"])
@staff_only
def correct_note(person_id, note_id):
    person = case_file_or_abort(person_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            correction = notes.correct(person, note_id, form.body.data, by=current_user)
            flash(_("The correction is added; the old note stays, struck through."), "success")
            return redirect(url_for("people.note", person_id=person.id, note_id=correction.id))
        except CaseFileRefused as refusal:
            _refused(refusal)
    else:
        flash(_("Write the corrected note (at most 10,000 characters)."), "error")
    return redirect(url_for("people.note", person_id=person.id, note_id=note_id))


@bp.route("/<int:person_id>/notes/<int:note_id>/pin", methods=["POST"])
@staff_only
def pin_note(person_id, note_id):
    person = case_file_or_abort(person_id)
    if ActionForm().validate_on_submit():
        try:
            notes.set_pin(person, note_id, request.form.get("pinned") == "1", by=current_user)
        except CaseFileRefused as refusal:
            _refused(refusal)
    return redirect(url_for("people.detail", person_id=person.id) + "#notes")


# --- The immigration case ------------------------------------------------------------------


@bp.route("/<int:person_id>/immigration", methods=["GET", "POST"], endpoint="immigration")
@staff_only
def immigration_case(person_id):
    person = case_file_or_abort(person_id)
    case = immigration.case_of(person)
    if request.method == "GET":
        immigration.view(person)
        form = ImmigrationCaseForm(data={k: getattr(case, k) for k in immigration.CASE_FIELDS} if case else None)
    else:
        form = ImmigrationCaseForm()
    if form.validate_on_submit():
        try:
            changed = immigration.save_case(person, form.case_data(), by=current_user)
            flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("people.immigration", person_id=person.id))
        except CaseFileRefused as refusal:
            _refused(refusal)
    return render_template(
        "people/immigration.html",
        person=person,
        case=case,
        form=form,
        detentions=immigration.detentions_of(person),
        dates=immigration.dates_of(person),
        detention_form=DetentionForm(formdata=None),
        date_form=CaseDateForm(formdata=None),
        action=ActionForm(),
        vocabulary=vocabulary,
    )


@bp.route("/<int:person_id>/immigration/detentions", methods=["POST"])
@staff_only
def add_detention(person_id):
    person = case_file_or_abort(person_id)
    return _save_detention(person, None)


@bp.route("/<int:person_id>/immigration/detentions/<int:detention_id>", methods=["GET", "POST"])
@staff_only
def detention(person_id, detention_id):
    person = case_file_or_abort(person_id)
    stay = immigration.get_detention(person, detention_id) or abort(404)
    if request.method == "GET":
        immigration.view(person)
        form = DetentionForm(obj=stay)
        return render_template("people/detention.html", person=person, form=form, stay=stay)
    return _save_detention(person, stay)


def _save_detention(person, stay):
    form = DetentionForm()
    if form.validate_on_submit():
        try:
            immigration.save_detention(person, form.detention_data(), by=current_user, detention=stay)
            flash(_("Detention saved."), "success")
            return redirect(url_for("people.immigration", person_id=person.id) + "#detention")
        except CaseFileRefused as refusal:
            _refused(refusal)
    return render_template("people/detention.html", person=person, form=form, stay=stay), 400


@bp.route("/<int:person_id>/immigration/dates", methods=["POST"])
@staff_only
def add_case_date(person_id):
    person = case_file_or_abort(person_id)
    form = CaseDateForm()
    if form.validate_on_submit():
        immigration.add_date(
            person,
            {"kind": form.kind.data, "day": form.day.data, "time_of_day": form.time_of_day.data},
            by=current_user,
        )
        flash(_("The date is added, and its deadline with it."), "success")
    else:
        flash(_("Give a date (and, if you like, a time such as 09:30)."), "error")
    return redirect(url_for("people.immigration", person_id=person.id) + "#dates")


@bp.route("/<int:person_id>/immigration/dates/<int:date_id>/remove", methods=["POST"])
@staff_only
def remove_case_date(person_id, date_id):
    person = case_file_or_abort(person_id)
    if ActionForm().validate_on_submit():
        try:
            immigration.remove_date(person, date_id, by=current_user)
            flash(_("The date is removed, and its deadline with it."), "success")
        except CaseFileRefused as refusal:
            _refused(refusal)
    return redirect(url_for("people.immigration", person_id=person.id) + "#dates")


# --- Deadlines and tasks -------------------------------------------------------------------


def _task_form(person):
    form = TaskForm()
    form.owner_id.choices = options([(0, _("The whole case team"))] + [(u.id, u.display_name) for u in person.team])
    return form


@bp.route("/<int:person_id>/deadlines", methods=["GET", "POST"], endpoint="deadlines")
@staff_only
def deadlines_page(person_id):
    person = case_file_or_abort(person_id)
    form = _task_form(person)
    if form.validate_on_submit():
        try:
            deadlines.add_task(
                person,
                {
                    "title": form.title.data.strip(),
                    "due_on": form.due_on.data,
                    "due_time": form.due_time.data,
                    "owner_id": form.owner_id.data,
                },
                by=current_user,
            )
            flash(_("The task is added."), "success")
            return redirect(url_for("people.deadlines", person_id=person.id))
        except CaseFileRefused as refusal:
            _refused(refusal)
    elif request.method == "GET":
        services.view(person, current_user)
    return render_template(
        "people/deadlines.html", person=person, form=form, found=deadlines.deadlines_of(person), action=ActionForm()
    ), 400 if form.errors else 200


@bp.route("/<int:person_id>/deadlines/<int:task_id>/done", methods=["POST"])
@staff_only
def task_done(person_id, task_id):
    person = case_file_or_abort(person_id)
    if ActionForm().validate_on_submit():
        try:
            deadlines.set_done(person, task_id, request.form.get("done") == "1", by=current_user)
        except CaseFileRefused as refusal:
            _refused(refusal)
    return redirect(url_for("people.deadlines", person_id=person.id))
