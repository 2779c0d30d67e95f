"""The care blueprint and its hooks: the directory, the case team's referral pages, and the counselor's pages."""
import datetime as dt

from babel.dates import format_skeleton, format_time
from flask import Blueprint
from flask_babel import get_locale
from flask_login import current_user

from .. import services, vocabulary
from ..services.common import zone

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.app_template_filter("care_when")
def care_when(moment: dt.datetime) -> str:
    """A moment in the local time of the care work: naive values are UTC (as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC).astimezone(zone())
    locale = get_locale()
    return (f"{format_skeleton('yMMMEd', moment, locale=locale)}, "
            f"{format_time(moment, 'short', tzinfo=moment.tzinfo, locale=locale)} {moment.tzname()}")


@bp.app_template_filter("care_labels")
def care_labels(codes, labels: dict) -> str:
    """Codes as their labels, in the user's language: ``["es", "en"]`` -> "Spanish, English"."""
    return ", ".join(str(labels.get(code, code)) for code in codes)


@bp.app_context_processor
def care_globals():
    def care_attention():
        return services.attention_summary(current_user)

    return {"care_attention": care_attention, "care_vocabulary": vocabulary}

