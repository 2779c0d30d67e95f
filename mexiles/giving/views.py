from flask import Blueprint, current_app, render_template, request

from ..access import public

bp = Blueprint("giving", __name__, url_prefix="/give")


@bp.route("/")
@public
def donate():
    """The public donate page; ``?campaign=<slug>`` and ``?event=<tour event id>`` credit the gift."""
    configured = bool(current_app.config["STRIPE_SECRET_KEY"] and current_app.config["STRIPE_PUBLISHABLE_KEY"])
    return render_template("giving/donate.html", configured=configured,
                           event_id=request.args.get("event", type=int))
