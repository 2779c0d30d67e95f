"""The dead letters: jobs that failed every attempt, for an admin to send on again."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Role, roles_required
from ..http import page_arg
from . import services
from .forms import RetryForm

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.route("/")
@roles_required(Role.ADMIN)
def dead_letters():
    return render_template(
        "jobs/dead_letters.html",
        page=services.dead_letters(current_user, page_arg()),
        depth=services.depth(),
        form=RetryForm(),
    )


@bp.route("/<int:job_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(job_id):
    job = services.get(job_id) or abort(404)
    if RetryForm().validate_on_submit():
        try:
            services.retry(job, current_user)
        except services.RetryRefused:
            flash(_("This job is no longer waiting for a retry."), "info")
        else:
            flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.dead_letters"))
