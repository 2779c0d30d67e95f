"""The donor portal: sign in by emailed link, see one's own gifts, manage one's monthly gift."""

import datetime as dt
import hashlib

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import timeutil
from ...access import public, signed_in
from ...accounts import services as accounts
from ...accounts.services import AccountError
from ...extensions import limiter, talisman
from ...money import money, to_cents
from ...refusals import flash_refusal
from ..forms import EMAIL_MAX, AmountForm, ConfirmForm, ProfileForm, SigninRequestForm, StatementForm
from ..services import donors, signin
from ..services import portal as donor_portal
from ..services.stripe_gateway import StripeError, configured
from .blueprint import PAYMENT_PAGE_POLICY, bp


def _signin_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _pdf(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"},
    )


def _link_limit() -> str:
    return current_app.config["DONOR_LINK_RATE_LIMIT"]


def _address_key() -> str:
    # Hashed: the limiter's store (Redis) never holds a typed address, and each key has one length
    # whatever is typed. Capped first: no address is longer, and no huge value is hashed.
    address = donors.email_key(request.form.get("email", ""))[:EMAIL_MAX]
    return "donor-link:" + hashlib.sha256(address.encode()).hexdigest()


@bp.route("/portal/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
@limiter.limit(_link_limit, methods=["POST"], key_func=_address_key)
@public
def portal_signin_request():
    form = SigninRequestForm()
    if form.validate_on_submit():
        # The same answer, in the same time, whether or not a donor has this address: a job looks it up.
        signin.request_signin_link(form.email.data, request.host_url)
        flash(_("If you have given with that address, a sign-in link is on its way."), "success")
        return redirect(url_for("giving.portal_signin_request"))
    return render_template("giving/portal/signin.html", form=form)


@bp.route("/portal/signin/<token>", methods=["GET", "POST"])
@public
def portal_signin(token):
    """GET only shows a button: mail scanners open links, and must not spend them. POST signs in."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            signin.peek_signin_token(token)
            return render_template("giving/portal/signin_confirm.html", form=form)
        user = signin.use_signin_token(token)
    except AccountError as refusal:
        flash_refusal(refusal)
        return redirect(url_for("giving.portal_signin_request"))
    target = request.args.get("next", "")
    target = target if target.startswith("/give/portal") else url_for("giving.portal")
    return accounts.start_sign_in(user, next_url=target) or redirect(target)


@bp.route("/portal")
@signed_in
def portal_home():
    return redirect(url_for("giving.portal"))


@bp.route("/portal/")
@talisman(content_security_policy=PAYMENT_PAGE_POLICY)
@signed_in
def portal():
    donor = portal_donor()
    year = timeutil.today().year
    statement_form = StatementForm(
        data={"since": dt.date(year - 1, 1, 1), "until": dt.date(year - 1, 12, 31)}, meta={"csrf": False}
    )
    profile_form = ProfileForm(data={"email": donor.email_key, "locale": donor.locale, "listed": donor.listed})
    return render_template(
        "giving/portal/home.html",
        donor=donor,
        gifts=donor_portal.gifts(donor),
        monthly=donor_portal.monthly_gifts(donor),
        statement_form=statement_form,
        profile_form=profile_form,
        amount_form=AmountForm(),
        confirm=ConfirmForm(),
        stripe_ready=configured(),
    )


def portal_donor():
    return donor_portal.donor_or_404(current_user)


@bp.route("/portal/gifts/<int:gift_id>/receipt.pdf")
@signed_in
def portal_receipt(gift_id):
    donor = portal_donor()
    gift = donor_portal.own_gift(donor, gift_id)
    if gift.status not in ("succeeded", "refunded"):
        abort(404)
    return _pdf(donor_portal.receipt(donor, gift), f"receipt-{gift.id}.pdf")


@bp.route("/portal/statement.pdf")
@signed_in
def portal_statement():
    donor = portal_donor()
    form = StatementForm(request.args, meta={"csrf": False})
    if not form.validate() or form.until.data < form.since.data:
        flash(_("Choose a start date and an end date after it."), "error")
        return redirect(url_for("giving.portal"))
    return _pdf(
        donor_portal.statement(donor, form.since.data, form.until.data),
        f"statement-{form.since.data}-{form.until.data}.pdf",
    )


@bp.route("/portal/profile", methods=["POST"])
@signed_in
def portal_profile():
    donor = portal_donor()
    form = ProfileForm()
    if form.validate_on_submit():
        mailed = donors.update_profile(donor, form.email.data, form.locale.data, form.listed.data, actor=current_user)
        flash(_("Changes saved."), "success")
        if mailed:
            # The same words whether or not another donor has the address: nothing here tells.
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you open it.",
                    email=donors.email_key(form.email.data),
                ),
                "info",
            )
    else:
        flash(" ".join(str(m) for errors in form.errors.values() for m in errors), "error")
    return redirect(url_for("giving.portal"))


@bp.route("/portal/email/<token>", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
@public
def portal_confirm_email(token):
    """GET only shows a button (mail scanners open links); POST moves the donor to the address."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            new = donors.pending_email_change(token)[1]
            return render_template("accounts/confirm_email.html", form=form, new_email=new)
        donor = donors.confirm_email_change(token)
    except AccountError as refusal:
        flash_refusal(refusal)
        return redirect(url_for("giving.portal_signin_request"))
    flash(_("Your email address is now %(email)s.", email=donor.email_key), "success")
    return redirect(url_for("giving.portal" if current_user.is_authenticated else "giving.portal_signin_request"))


def _monthly(recurring_id):
    return donor_portal.own_recurring(portal_donor(), recurring_id)


@bp.route("/portal/monthly/<int:recurring_id>/amount", methods=["POST"])
@signed_in
def portal_monthly_amount(recurring_id):
    recurring = _monthly(recurring_id)
    form = AmountForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for errors in form.errors.values() for m in errors), "error")
        return redirect(url_for("giving.portal"))
    return _stripe_step(
        lambda: donor_portal.change_amount(recurring, to_cents(form.amount.data), current_user),
        _("Your monthly gift is now %(amount)s.", amount=money(to_cents(form.amount.data), recurring.currency)),
    )


@bp.route("/portal/monthly/<int:recurring_id>/do/<action>", methods=["POST"])
@signed_in
def portal_monthly_action(recurring_id, action):
    if action not in ("pause", "resume", "cancel"):
        abort(404)
    recurring = _monthly(recurring_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    messages = {
        "pause": _("Your monthly gift is paused."),
        "resume": _("Your monthly gift goes on again."),
        "cancel": _("Your monthly gift is cancelled. Thank you for all you gave."),
    }
    operation = getattr(donor_portal, action)
    return _stripe_step(lambda: operation(recurring, current_user), messages[action])


def _stripe_step(operation, success: str):
    try:
        operation()
    except donor_portal.MonthlyError as refusal:
        if refusal.args[0] == "offline":
            flash(_("Monthly gifts cannot be changed online here. Write to us and we will make the change."), "error")
        else:
            flash(_("This monthly gift has ended and cannot be changed."), "error")
    except StripeError:
        flash(_("We could not reach the card processor. Nothing was changed; try again in a moment."), "error")
    else:
        flash(success, "success")
    return redirect(url_for("giving.portal"))


@bp.route("/portal/monthly/<int:recurring_id>/card", methods=["POST"])
@signed_in
def portal_monthly_card(recurring_id):
    """Start (no setup_intent) or finish (with the confirmed SetupIntent's id) a card change."""
    recurring = _monthly(recurring_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        setup_intent = request.form.get("setup_intent")
        if not setup_intent:
            return jsonify(status="requires_setup", client_secret=donor_portal.start_card_change(recurring))
        donor_portal.finish_card_change(recurring, setup_intent, current_user)
    except (StripeError, donor_portal.MonthlyError):
        return jsonify(status="error", message=_("The card could not be saved. Nothing was changed; try again.")), 402
    flash(_("Your new card will be used for the next monthly gift."), "success")
    return jsonify(status="succeeded", message=_("Your new card will be used for the next monthly gift."))
