from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ...access import Role, public, roles_required, signed_in
from ...extensions import limiter
from ...http import page_arg, safe_next
from ...refusals import flash_refusal
from ..forms import (
    ROLE_LABELS,
    ConfirmForm,
    EmailChangeForm,
    InviteForm,
    LoginForm,
    PasswordChangeForm,
    RecoveryResetForm,
    RequestResetForm,
    RolesForm,
    SetPasswordForm,
    SettingsForm,
)
from ..services import email_change, sessions
from ..services import users as services
from .blueprint import bp


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    # A POST always signs in afresh: a session planted in this browser must not stay in charge.
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as refusal:
            form.password.errors.append(str(refusal))
        else:
            target = safe_next(request.args.get("next"), url_for("main.home"))
            return sessions.start_sign_in(user, form.remember.data, target) or redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    if ConfirmForm().validate_on_submit():
        services.sign_out(current_user)
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        # A job looks the address up: the same words in the same time, known or not.
        services.request_password_reset(form.email.data, request.host_url)
        flash(_("If an account uses that address, a link to reset its password is on its way."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/request_reset.html", form=form)


def _set_password_page(token: str, purpose: str, max_age, template: str):
    try:
        user = services.user_for_token(token, purpose, max_age)
    except services.AccountError as refusal:
        flash_refusal(refusal)
        return redirect(url_for("accounts.request_reset"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.complete_password_reset(user, form.password.data)
        held = sessions.start_sign_in(user)  # a fresh session; flash after it, or it is emptied
        flash(_("Your password is set. Welcome."), "success")
        return held or redirect(url_for("main.home"))
    return render_template(template, form=form, user=user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    return _set_password_page(token, "reset", services.reset_max_age(), "accounts/reset_password.html")


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token):
    return _set_password_page(token, "invite", services.invite_max_age(), "accounts/accept_invite.html")


def _settings_page(form=None, email_form=None, password_form=None):
    return render_template(
        "accounts/settings.html",
        form=form or SettingsForm(obj=current_user),
        email_form=email_form or EmailChangeForm(formdata=None),
        password_form=password_form or PasswordChangeForm(formdata=None),
        reset_form=RecoveryResetForm(formdata=None),
    )


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings():
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        services.change_settings(current_user, form.locale.data, form.full_name.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(form=form)


@bp.route("/settings/email", methods=["POST"])
@limiter.limit(_login_limit)
@signed_in
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
        except services.AccountError as refusal:
            form.current_password.errors.append(str(refusal))
        else:
            if email_change.request_change(current_user, form.email.data):
                # The same words whether or not the address is taken: nothing here tells.
                flash(
                    _(
                        "We sent a link to %(email)s. Your address changes when you open it.",
                        email=services.normalise_email(form.email.data),
                    ),
                    "success",
                )
            else:
                flash(_("That is already your address."), "info")
            return redirect(url_for("accounts.settings"))
    return _settings_page(email_form=form), 400


@bp.route("/settings/password", methods=["POST"])
@limiter.limit(_login_limit)
@signed_in
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.AccountError as refusal:
            form.current_password.errors.append(str(refusal))
        else:
            # Every other session has ended; this one goes on, in a fresh cookie.
            sessions.begin_session(user, second_factor_passed=bool(session.get(sessions.PASSED)))
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form), 400


@bp.route("/email/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def confirm_email(token):
    """GET only shows a button (mail scanners open links); POST makes the change."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            new = email_change.pending_change(token)[1]
            return render_template("accounts/confirm_email.html", form=form, new_email=new)
        user = email_change.confirm(token)
    except services.AccountError as refusal:
        flash_refusal(refusal)
        return redirect(url_for("accounts.settings" if current_user.is_authenticated else "accounts.login"))
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.settings" if current_user.is_authenticated else "accounts.login"))


@bp.route("/staff", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def staff():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(form.email.data, form.roles.data, form.full_name.data, form.locale.data, actor=current_user)
        except services.AccountError as refusal:
            form.email.errors.append(str(refusal))
        else:
            flash(_("Invitation sent."), "success")
            return redirect(url_for("accounts.staff"))
    page = services.staff_page(page_arg(), current_user)
    return render_template("accounts/staff.html", form=form, page=page, role_labels=ROLE_LABELS)


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def staff_member(user_id):
    user = services.get_user(user_id) or abort(404)
    form = RolesForm(roles=sorted(user.roles))
    if form.validate_on_submit():
        try:
            services.set_roles(user, form.roles.data, actor=current_user)
        except services.AccountError as refusal:
            form.roles.errors.append(str(refusal))
        else:
            flash(_("Roles saved."), "success")
            return redirect(url_for("accounts.staff_member", user_id=user.id))
    services.view_user(user, current_user)
    return render_template("accounts/staff_member.html", form=form, user=user, confirm=ConfirmForm())


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id):
    user = services.get_user(user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        activate = request.form.get("active") == "1"
        try:
            services.set_active(user, activate, actor=current_user)
        except services.AccountError as refusal:
            flash_refusal(refusal)
        else:
            flash(_("Account reactivated.") if activate else _("Account deactivated."), "success")
    return redirect(url_for("accounts.staff_member", user_id=user.id))
