from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, session, url_for
from flask_login import current_user

from ..access import public
from ..accounts import services as accounts
from ..audit import services as audit
from ..http import safe_next
from ..people import services as people
from . import services as health_checks

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("main/home.html", agenda=[])
    # The tiles' lists are read while the page renders: all inside the one entry.
    with audit.one_entry_per_view("home.view", "home"):
        return render_template("main/home.html", agenda=people.agenda(current_user))


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; the same icon, cached for a day."""
    return send_from_directory(
        current_app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.route("/language", methods=["POST"])
@public
def language():
    """The language switcher: remembered for the visit, and on the account of a signed-in user."""
    chosen = request.form.get("locale", "")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
        if current_user.is_authenticated:
            accounts.set_locale(current_user, chosen)
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))


@bp.route("/healthz")
@public
def health():
    """Liveness: the process answers. Whether it can work is /readyz."""
    return {"status": "ok"}


@bp.route("/readyz")
@public
def ready():
    report, serving = health_checks.readiness()
    return report, 200 if serving else 503
