from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..access import Role, roles_required
from ..forms import options
from . import services
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    form.action.choices = options([("", _("Any"))] + [(a, a) for a in services.known_actions()])
    form.subject_type.choices = options([("", _("Any"))] + [(t, t) for t in services.known_subject_types()])
    criteria = services.AuditFilter()
    if form.validate():
        criteria = services.AuditFilter(**{k: v for k, v in form.data.items() if v})
    page = services.search(criteria, request.args.get("page", 1, type=int))
    return render_template("audit/index.html", form=form, page=page)
