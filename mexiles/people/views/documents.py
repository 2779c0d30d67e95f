"""The case file's documents: the list and the upload form, the download, withdrawing and purging.
Only the case team and admins reach them (purging: admins alone); the files are never static."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ...access import Role, roles_required, staff_only
from ...http import takes_uploads
from ...refusals import flash_refusal
from .. import services, vocabulary
from ..forms import ActionForm, DocumentForm, PurgeForm
from ..services import DocumentRefused, documents
from .blueprint import bp
from .casefile import case_file_or_abort


def _page(person, form, status=200):
    return render_template(
        "people/documents.html",
        person=person,
        form=form,
        shown=documents.shown_of(person),
        withdrawn=documents.withdrawn_of(person, current_user),
        action=ActionForm(formdata=None),
        purge_form=PurgeForm(formdata=None),
        vocabulary=vocabulary,
        max_mb=documents.max_bytes() // (1024 * 1024),
    ), status


@bp.route("/<int:person_id>/documents", methods=["GET", "POST"], endpoint="documents")
@staff_only
@takes_uploads("DOCUMENT_MAX_BYTES")
def documents_page(person_id):
    person = case_file_or_abort(person_id)
    if request.method == "GET":
        documents.view_list(person)
        return _page(person, DocumentForm(formdata=None))
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            documents.store_document(
                person,
                form.file.data,
                form.kind.data,
                on=form.dated_on.data,
                description=form.description.data,
                by=current_user,
            )
            flash(_("The document is in the case file, encrypted."), "success")
            return redirect(url_for("people.documents", person_id=person.id))
        except DocumentRefused as refusal:
            form.file.errors = [*form.file.errors, *refusal.messages]
    return _page(person, form, 400)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A body past the upload limit is refused before any of it is read (nothing is stored); the case
    team gets the upload page again with the reason, everyone else the plain error page."""
    person_id = (request.view_args or {}).get("person_id")
    person = services.get(person_id) if person_id and current_user.is_authenticated else None
    if request.endpoint != "people.documents" or person is None or not services.may_see_full(current_user, person):
        return render_template("errors/error.html", code=413, title=_("That upload is too large"), advice=""), 413
    form = DocumentForm(formdata=None)
    form.file.errors = [documents.too_large_message()]
    return _page(person, form, 413)


@bp.route("/<int:person_id>/documents/<int:document_id>/file")
@staff_only
def document_file(person_id, document_id):
    person = case_file_or_abort(person_id)
    try:
        found = documents.open_file(person, document_id, current_user) or abort(404)
    except DocumentRefused as refusal:
        flash_refusal(refusal)
        return redirect(url_for("people.documents", person_id=person.id))
    response = send_file(
        io.BytesIO(found.data),
        mimetype=found.media_type,
        as_attachment=True,  # never shown in the app's origin, whatever the file holds
        download_name=found.download_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:person_id>/documents/<int:document_id>/withdraw", methods=["POST"])
@staff_only
def withdraw_document(person_id, document_id):
    person = case_file_or_abort(person_id)
    if ActionForm().validate_on_submit():
        try:
            documents.withdraw(person, document_id, by=current_user)
            flash(_("The document is withdrawn: hidden from the case file, and kept."), "success")
        except DocumentRefused as refusal:
            flash_refusal(refusal)
    return redirect(url_for("people.documents", person_id=person.id))


@bp.route("/<int:person_id>/documents/<int:document_id>/purge", methods=["POST"])
@roles_required(Role.ADMIN)
def purge_document(person_id, document_id):
    person = case_file_or_abort(person_id)
    form = PurgeForm()
    if form.validate_on_submit():
        try:
            documents.purge(person, document_id, form.reason.data, by=current_user)
            flash(_("The file is purged. Who purged it, when and why stay in the case file."), "success")
        except DocumentRefused as refusal:
            flash_refusal(refusal)
    else:
        flash(_("Say why the document is purged (at most 500 characters)."), "error")
    return redirect(url_for("people.documents", person_id=person.id) + "#withdrawn")
