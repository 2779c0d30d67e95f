from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import Role, public, roles_required, signed_in
from ..extensions import limiter
from ..http import page_arg, safe_next
from . import services
from .forms import ROLE_LABELS, ConfirmForm, InviteForm, LoginForm, RequestResetForm, RolesForm, SetPasswordForm, SettingsForm

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _begin_session(user, remember: bool = False) -> None:
    session.clear()  # nothing from before sign-in (such as its CSRF token) carries over
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as refusal:
            form.password.errors.append(str(refusal))
        else:
            _begin_session(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
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
        services.send_password_reset(form.email.data)
        flash(_("If an account uses that address, a link to reset its password is on its way."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/request_reset.html", form=form)


def _set_password_page(token: str, purpose: str, max_age, template: str):
    try:
        user = services.user_for_token(token, purpose, max_age)
    except services.AccountError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("accounts.request_reset"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.complete_password_reset(user, form.password.data)
        _begin_session(user)
        flash(_("Your password is set. Welcome."), "success")
        return redirect(url_for("main.home"))
    return render_template(template, form=form, user=user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    return _set_password_page(token, "reset", services.reset_max_age(), "accounts/reset_password.html")


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token):
    return _set_password_page(token, "invite", services.invite_max_age(), "accounts/accept_invite.html")


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings():
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        services.change_settings(current_user, form.locale.data, form.full_name.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)


@bp.route("/staff", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def staff():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(form.email.data, form.roles.data, form.full_name.data, form.locale.data,
                            actor=current_user)
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
            flash(str(refusal), "error")
        else:
            flash(_("Account reactivated.") if activate else _("Account deactivated."), "success")
    return redirect(url_for("accounts.staff_member", user_id=user.id))
