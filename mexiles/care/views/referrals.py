"""Referral pages of the case team, the steps both parties take, and the overview pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...access import Role, roles_required, staff_only
from ...forms import options
from ...http import csv_response, id_arg, page_arg
from ...money import to_cents, to_dollars
from ...refusals import flash_refusal
from .. import services
from ..forms import (
    AppointmentForm,
    AttendanceForm,
    CostForm,
    FollowUpForm,
    OverrideForm,
    PeriodForm,
    ReferralFilterForm,
    ReferralForm,
    StepForm,
)
from ..services import directory
from ..vocabulary import STATUSES
from .blueprint import bp
from .common import find_or_abort, outcome_form
from .counsel import render_counsel_detail

# Steps on a referral are taken by its case team and by the provider's counselor.
either_party = roles_required(Role.COORDINATOR, Role.ADMIN, Role.COUNSELOR)
OUTCOME_FORMS = {"declined": "decline_form", "closed": "close_form"}


def _page_of(access) -> str:
    endpoint = "care.referral_detail" if access.team else "care.counsel_detail"
    return url_for(endpoint, referral_id=access.referral.id)


def render_referral(access, refusal=None, status=200, **forms):
    """The referral page of whoever handles it, with the forms of the step being taken."""
    if not access.team:
        return render_counsel_detail(access, refusal=refusal, status=status, **forms)
    services.view(access, current_user)
    referral = access.referral
    forms.setdefault("step_form", StepForm(formdata=None))
    forms.setdefault("decline_form", outcome_form(access, "declined", formdata=None))
    forms.setdefault("close_form", outcome_form(access, "closed", formdata=None))
    forms.setdefault(
        "appointment_form",
        AppointmentForm(prefix="appt", formdata=None, kind=services.next_appointment_kind(referral.status)),
    )
    forms.setdefault("follow_up_form", FollowUpForm(prefix="follow", formdata=None, day=referral.follow_up_on))
    forms.setdefault(
        "cost_form",
        CostForm(
            prefix="cost",
            formdata=None,
            org_pays=referral.org_pays,
            cost_per_session=to_dollars(referral.cost_per_session_cents),
        ),
    )
    if current_user.has_role(Role.ADMIN):
        forms.setdefault("override_form", OverrideForm(prefix="override", formdata=None))
    return render_template(
        "care/referrals/detail.html",
        referral=referral,
        person=access.person,
        next_steps=services.next_steps(access),
        refusal=refusal,
        takes_appointments=services.takes_appointments(referral.status),
        **forms,
    ), status


# --- Lists and making a referral -----------------------------------------------------------


@bp.route("/referrals/")
@staff_only
def referrals():
    form = ReferralFilterForm(request.args)
    form.validate()
    status = form.status.data if not form.status.errors else "open"
    urgency = form.urgency.data if not form.urgency.errors else ""
    page, rows = services.listing(current_user, status=status, urgency=urgency, page=page_arg())
    return render_template(
        "care/referrals/index.html",
        form=form,
        page=page,
        rows=rows,
        today=services.today(),
        filters={"status": status, "urgency": urgency},
    )


@bp.route("/referrals/new", methods=["GET", "POST"])
@staff_only
def referral_create():
    if request.method == "GET":
        form = ReferralForm(formdata=None, person_id=id_arg("person") or 0, provider_id=id_arg("provider") or 0)
    else:
        form = ReferralForm()
    people = services.referable_people(current_user)
    form.person_id.choices = options([(0, "—")] + [(p.id, p.alias) for p in people])
    form.provider_id.choices = options(
        [(0, "—")]
        + [
            (
                p.id,
                ngettext(
                    "%(name)s (%(num)s open place)", "%(name)s (%(num)s open places)", p.capacity_available, name=p.name
                ),
            )
            for p in directory.active_providers()
        ]
    )
    if form.validate_on_submit():
        try:
            referral = services.create(form.referral_data(), by=current_user)
        except services.CareError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("The referral is saved. Send it to the provider when ready."), "success")
            return redirect(url_for("care.referral_detail", referral_id=referral.id))
    return render_template("care/referrals/form.html", form=form, has_people=bool(people))


@bp.route("/referrals/<int:referral_id>")
@staff_only
def referral_detail(referral_id):
    access = find_or_abort(referral_id)
    if not access.team:
        return redirect(url_for("care.counsel_detail", referral_id=referral_id))
    return render_referral(access)


# --- Steps (case team and counselor) -------------------------------------------------------


@bp.route("/referrals/<int:referral_id>/step", methods=["POST"])
@either_party
def referral_step(referral_id):
    access = find_or_abort(referral_id)
    form = StepForm()
    if not form.validate_on_submit():
        # A button that sent no step (an old page, a hand-made request): say so, lose nothing.
        flash(_("Choose the step to take."), "error")
        return redirect(_page_of(access))
    try:
        services.move(access, form.to.data, by=current_user)
    except services.CareError as refusal:
        flash_refusal(refusal)
    else:
        flash(_("The referral is now “%(status)s”.", status=STATUSES[form.to.data]), "success")
    return redirect(_page_of(access))


def _end(referral_id: int, ending: str):
    access = find_or_abort(referral_id)
    try:
        services.check_step(access, ending)
    except services.CareError as refusal:
        return render_referral(access, refusal=str(refusal))
    form = outcome_form(access, ending)
    if not form.validate_on_submit():
        return render_referral(access, **{OUTCOME_FORMS[ending]: form})
    try:
        services.move(access, ending, by=current_user, outcome=services.Outcome(**form.outcome_data()))
    except services.CareError as refusal:
        return render_referral(access, refusal=str(refusal), **{OUTCOME_FORMS[ending]: form})
    flash(_("The referral is now “%(status)s”.", status=STATUSES[ending]), "success")
    return redirect(_page_of(access))


@bp.route("/referrals/<int:referral_id>/decline", methods=["POST"])
@either_party
def referral_decline(referral_id):
    return _end(referral_id, "declined")


@bp.route("/referrals/<int:referral_id>/close", methods=["POST"])
@either_party
def referral_close(referral_id):
    return _end(referral_id, "closed")


@bp.route("/referrals/<int:referral_id>/appointments", methods=["POST"])
@either_party
def referral_appointment(referral_id):
    access = find_or_abort(referral_id)
    form = AppointmentForm(prefix="appt")
    if not form.validate_on_submit():
        return render_referral(access, appointment_form=form)
    try:
        services.schedule(access, form.kind.data, form.day.data, form.time.data, form.held(), by=current_user)
    except services.CareError as refusal:
        return render_referral(access, refusal=str(refusal), appointment_form=form)
    flash(_("The appointment is saved."), "success")
    return redirect(_page_of(access))


@bp.route("/referrals/<int:referral_id>/appointments/<int:appointment_id>", methods=["POST"])
@either_party
def referral_attendance(referral_id, appointment_id):
    access = find_or_abort(referral_id)
    form = AttendanceForm()
    if not form.validate_on_submit() or form.held.data not in ("yes", "no"):
        flash(_("Say whether the appointment took place."), "error")
        return redirect(_page_of(access))
    try:
        if services.record_attendance(access, appointment_id, form.held.data == "yes", by=current_user) is None:
            abort(404)
    except services.CareError as refusal:
        flash_refusal(refusal)
    else:
        flash(_("Attendance recorded."), "success")
    return redirect(_page_of(access))


# --- What only the case team changes -------------------------------------------------------


def _team_or_403(referral_id: int):
    access = find_or_abort(referral_id)
    if not access.team:
        abort(403)
    return access


@bp.route("/referrals/<int:referral_id>/follow-up", methods=["POST"])
@staff_only
def referral_follow_up(referral_id):
    access = _team_or_403(referral_id)
    form = FollowUpForm(prefix="follow")
    if not form.validate_on_submit():
        return render_referral(access, follow_up_form=form)
    try:
        services.set_follow_up(access, form.day.data, by=current_user)
    except services.CareError as refusal:
        return render_referral(access, refusal=str(refusal), follow_up_form=form)
    flash(_("Next follow-up saved."), "success")
    return redirect(_page_of(access))


@bp.route("/referrals/<int:referral_id>/cost", methods=["POST"])
@staff_only
def referral_cost(referral_id):
    access = _team_or_403(referral_id)
    form = CostForm(prefix="cost")
    if not form.validate_on_submit():
        return render_referral(access, cost_form=form)
    services.set_cost(access, to_cents(form.cost_per_session.data), form.org_pays.data, by=current_user)
    flash(_("Cost saved. Sessions already held keep the cost they had."), "success")
    return redirect(_page_of(access))


@bp.route("/referrals/<int:referral_id>/override", methods=["POST"])
@roles_required(Role.ADMIN)
def referral_override(referral_id):
    access = _team_or_403(referral_id)
    form = OverrideForm(prefix="override")
    if not form.validate_on_submit():
        return render_referral(access, override_form=form)
    try:
        services.override_consent(access, form.reason.data.strip(), by=current_user)
    except services.CareError as refusal:
        return render_referral(access, refusal=str(refusal), override_form=form)
    flash(_("Consent override recorded. The referral can now be sent."), "success")
    return redirect(_page_of(access))


# --- Overviews -----------------------------------------------------------------------------


@bp.route("/attention")
@staff_only
def attention():
    return render_template("care/attention.html", rows=services.needs_attention(current_user))


def _period(form: PeriodForm):
    since, until = services.default_period()
    if form.validate():
        since, until = form.since.data or since, form.until.data or until
    return (since, until) if since <= until else services.default_period()


@bp.route("/outcomes")
@staff_only
def outcomes():
    form = PeriodForm(request.args)
    since, until = _period(form)
    if not form.errors:
        form.since.data, form.until.data = since, until  # show the period the figures cover
    return render_template("care/outcomes.html", form=form, report=services.outcomes(since, until))


@bp.route("/outcomes.csv")
@staff_only
def outcomes_export():
    since, until = _period(PeriodForm(request.args))
    header, rows = services.export_rows(current_user, since, until)
    return csv_response(header, rows, f"referrals-{since.isoformat()}-{until.isoformat()}.csv")
