from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..access import Role, roles_required
from ..accounts import services as accounts
from ..forms import options
from ..http import page_arg
from . import services
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.context_processor
def in_words() -> dict:
    return {
        "action_label": services.action_label,
        "subject_label": services.subject_label,
        "details_in_words": services.details_in_words,
    }


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    actors = sorted(accounts.users_by_ids(services.known_actor_ids()), key=lambda user: user.email)
    form.actor.choices = options([("", _("Any"))] + [(str(u.id), u.email) for u in actors])
    actions = sorted(((a, services.action_label(a)) for a in services.known_actions()), key=lambda pair: pair[1])
    form.action.choices = options([("", _("Any")), *actions])
    subjects = sorted(((t, services.subject_label(t)) for t in services.known_subject_types()), key=lambda p: p[1])
    form.subject_type.choices = options([("", _("Any")), *subjects])
    criteria = services.AuditFilter()
    filters = {}
    if form.validate():
        criteria = services.AuditFilter(**{k: v for k, v in form.data.items() if v})
        filters = {k: request.args[k] for k in form.data if request.args.get(k)}
    page = services.search(criteria, page_arg())
    return render_template("audit/index.html", form=form, page=page, filters=filters)
