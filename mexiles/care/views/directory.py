"""The provider directory: coordinators and admins keep it; admins link counselors to providers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import Role, is_staff, roles_required, staff_only
from ...accounts import services as accounts
from ...forms import options
from ...http import page_arg
from ...money import to_dollars
from ...refusals import flash_refusal
from .. import services
from ..forms import CapacityForm, DirectoryFilterForm, LinkCounselorForm, ProviderForm
from ..services import directory
from .blueprint import bp
from .counsel import render_counsel_index


def _provider_or_404(provider_id: int):
    return directory.get(provider_id) or abort(404)


@bp.route("/providers/")
@staff_only
def providers():
    form = DirectoryFilterForm(request.args)
    form.validate()
    wanted = {
        name: form[name].data
        for name in ("language", "modality", "specialty", "open_only", "include_inactive")
        if not form[name].errors
    }
    page, rows = directory.listing(directory.DirectoryFilter(**wanted), page_arg())
    return render_template(
        "care/providers/index.html",
        form=form,
        page=page,
        rows=rows,
        filters={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@staff_only
def provider_create():
    form = ProviderForm()
    if form.validate_on_submit():
        try:
            provider = directory.save(None, form.provider_data(), by=current_user)
        except services.CareError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("%(name)s is in the directory.", name=provider.name), "success")
            return redirect(url_for("care.provider_detail", provider_id=provider.id))
    return render_template("care/providers/form.html", form=form, provider=None)


def _render_provider(provider, capacity_form=None, link_form=None, status=200):
    if link_form is None and current_user.has_role(Role.ADMIN):
        link_form = LinkCounselorForm()
    if link_form is not None:
        link_form.user_id.choices = options(
            (u.id, f"{u.display_name} <{u.email}>") for u in accounts.users_with_role(Role.COUNSELOR)
        )
    capacity_form = capacity_form or CapacityForm(obj=provider)
    return render_template(
        "care/providers/detail.html",
        provider=provider,
        stale=directory.is_stale(provider),
        counselors=directory.counselors_of(provider),
        capacity_form=capacity_form,
        link_form=link_form,
    ), status


@bp.route("/providers/<int:provider_id>")
@staff_only
def provider_detail(provider_id):
    return _render_provider(_provider_or_404(provider_id))


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@staff_only
def provider_edit(provider_id):
    provider = _provider_or_404(provider_id)
    if request.method == "GET":
        form = ProviderForm(
            obj=provider,
            fee=to_dollars(provider.fee_cents),
            languages=provider.languages,
            modalities=provider.modalities,
            specialties=provider.specialties,
        )
    else:
        form = ProviderForm()
    if form.validate_on_submit():
        try:
            directory.save(provider, form.provider_data(), by=current_user)
        except services.CareError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("care.provider_detail", provider_id=provider.id))
    return render_template("care/providers/form.html", form=form, provider=provider)


@bp.route("/providers/<int:provider_id>/capacity", methods=["POST"])
@roles_required(Role.COORDINATOR, Role.ADMIN, Role.COUNSELOR)
def provider_capacity(provider_id):
    """Confirm today's open places: staff for any provider, a counselor for their own."""
    provider = _provider_or_404(provider_id)
    if not directory.may_confirm_capacity(current_user, provider):
        abort(404)
    staff = is_staff(current_user)
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            directory.confirm_capacity(
                provider, form.capacity_available.data, form.capacity_maximum.data, by=current_user
            )
        except services.CareError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("Capacity confirmed for today."), "success")
        return redirect(
            url_for("care.provider_detail", provider_id=provider.id) if staff else url_for("care.counsel_index")
        )
    if staff:
        return _render_provider(provider, capacity_form=form)
    return render_counsel_index(capacity_form=form)


@bp.route("/providers/<int:provider_id>/counselors", methods=["POST"])
@roles_required(Role.ADMIN)
def provider_link_counselor(provider_id):
    provider = _provider_or_404(provider_id)
    form = LinkCounselorForm()
    counselors = {u.id: u for u in accounts.users_with_role(Role.COUNSELOR)}
    form.user_id.choices = options((i, u.email) for i, u in counselors.items())
    if not form.validate_on_submit():
        return _render_provider(provider, link_form=form)
    directory.link_counselor(provider, counselors[form.user_id.data], by=current_user)
    flash(_("%(email)s now sees this provider's referrals.", email=counselors[form.user_id.data].email), "success")
    return redirect(url_for("care.provider_detail", provider_id=provider.id))


@bp.route("/providers/<int:provider_id>/counselors/<int:user_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def provider_unlink_counselor(provider_id, user_id):
    provider = _provider_or_404(provider_id)
    if not directory.unlink_counselor(provider, user_id, by=current_user):
        abort(404)
    flash(_("The counselor no longer sees this provider's referrals."), "success")
    return redirect(url_for("care.provider_detail", provider_id=provider.id))
