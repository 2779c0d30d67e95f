"""The counselor's pages: the referrals sent to their own provider, with the minimum about the person."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from ...access import Role, roles_required
from ...http import page_arg
from .. import services
from ..forms import AppointmentForm, CapacityForm, StepForm
from ..services import directory
from .blueprint import bp
from .common import find_or_abort, outcome_form


def render_counsel_index(capacity_form=None, status=200):
    provider = directory.provider_of(current_user)
    page, cards = services.counselor_listing(current_user, page_arg())
    if provider is not None and capacity_form is None:
        capacity_form = CapacityForm(obj=provider, formdata=None)
    return render_template(
        "care/counsel/index.html",
        provider=provider,
        page=page,
        cards=cards,
        stale=provider is not None and directory.is_stale(provider),
        capacity_form=capacity_form,
    ), status


def render_counsel_detail(access, refusal=None, status=200, **forms):
    card = services.counselor_view(access, current_user)
    forms.setdefault("step_form", StepForm(formdata=None))
    forms.setdefault("decline_form", outcome_form(access, "declined", formdata=None))
    forms.setdefault("close_form", outcome_form(access, "closed", formdata=None))
    forms.setdefault(
        "appointment_form",
        AppointmentForm(prefix="appt", formdata=None, kind=services.next_appointment_kind(card.status)),
    )
    return render_template(
        "care/counsel/detail.html",
        card=card,
        refusal=refusal,
        takes_appointments=services.takes_appointments(card.status),
        **forms,
    ), status


@bp.route("/counsel/")
@roles_required(Role.COUNSELOR)
def counsel_index():
    return render_counsel_index()


@bp.route("/counsel/<int:referral_id>")
@roles_required(Role.COUNSELOR)
def counsel_detail(referral_id):
    access = find_or_abort(referral_id)
    if access.team:
        return redirect(url_for("care.referral_detail", referral_id=referral_id))
    return render_counsel_detail(access)
