"""The second-factor pages: the code after the password, enrolment, and resets."""

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...access import Role, public, roles_required, signed_in
from ...extensions import limiter
from ...http import safe_next
from ...refusals import flash_refusal
from ..forms import CodeForm, ConfirmForm, EnrolForm, RecoveryResetForm
from ..services import second_factor, sessions
from ..services import users as services
from .blueprint import bp


def _code_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _held_key() -> str:
    # Per account as well as per address, so that spreading guesses over addresses does not help.
    user = sessions.pending()
    return f"second-factor:{user.id if user else 'none'}"


def _expired():
    flash(_("Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@limiter.limit(_code_limit, methods=["POST"])
@limiter.limit(_code_limit, methods=["POST"], key_func=_held_key)
@public
def second_factor_step():
    user = sessions.pending()
    if user is None or not user.mfa_enrolled:
        return _expired()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = second_factor.check(user, form.code.data)
        except services.AccountError as refusal:
            if services.is_locked(user):
                return _expired()
            form.code.errors.append(str(refusal))
        else:
            target = safe_next(sessions.pending_next(""), url_for("main.home"))
            response = sessions.finish_sign_in(user, form.remember_device.data, redirect(target))
            if used == "recovery":
                flash(
                    ngettext(
                        "You used a recovery code; %(num)s is left. If you lost your phone, reset your "
                        "second factor in your account settings.",
                        "You used a recovery code; %(num)s are left. If you lost your phone, reset your "
                        "second factor in your account settings.",
                        second_factor.recovery_codes_left(user),
                    ),
                    "info",
                )
            return response
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/second-factor/enrol", methods=["GET", "POST"])
@limiter.limit(_code_limit, methods=["POST"])
@public
def enrol_second_factor():
    """For a user held at sign-in who must enrol, or a signed-in user who chooses to."""
    user = current_user._get_current_object() if current_user.is_authenticated else sessions.pending()
    if user is None:
        return _expired()
    if user.mfa_enrolled:
        return redirect(url_for("accounts.settings" if current_user.is_authenticated else "accounts.second_factor"))
    second_factor.begin_enrolment(user)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(user, form.code.data)
        except services.AccountError as refusal:
            if services.is_locked(user):
                return _expired()
            form.code.errors.append(str(refusal))
        else:
            target = safe_next(sessions.pending_next(""), url_for("main.home"))
            sessions.finish_sign_in(user)
            # Shown once, in this answer only: never stored but as hashes, never in a redirect.
            return make_response(render_template("accounts/recovery_codes.html", codes=codes, next_url=target))
    return render_template(
        "accounts/enrol_second_factor.html",
        form=form,
        qr=second_factor.provisioning_qr(user),
        secret=user.mfa_secret,
        required=second_factor.required_of(user),
    )


@bp.route("/second-factor/reset", methods=["POST"])
@limiter.limit(_code_limit)
@signed_in
def reset_own_second_factor():
    """One's own reset needs a recovery code: a session left open must not be enough."""
    form = RecoveryResetForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            second_factor.reset(user, actor=user, recovery_code=form.code.data)
        except services.AccountError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("Your second factor is removed. Set up your authenticator app again."), "success")
            if second_factor.required_of(user):
                sessions.hold(user)
            return redirect(url_for("accounts.enrol_second_factor"))
    return redirect(url_for("accounts.settings"))


@bp.route("/staff/<int:user_id>/second-factor", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_second_factor(user_id):
    user = services.get_user(user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("Reset your own second factor in your account settings, with a recovery code."), "error")
        else:
            second_factor.reset(user, actor=current_user)
            flash(_("Their second factor is removed; they set it up again at their next sign-in."), "success")
    return redirect(url_for("accounts.staff_member", user_id=user.id))
