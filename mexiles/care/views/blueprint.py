"""The care blueprint and its hooks: the directory, the case team's referral pages, and the counselor's pages."""

from flask import Blueprint
from flask_login import current_user

from .. import services, vocabulary

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.app_context_processor
def care_globals():
    def care_attention():
        return services.attention_summary(current_user)

    return {"care_attention": care_attention, "care_vocabulary": vocabulary}
