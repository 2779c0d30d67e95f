"""The giving blueprint and what applies to all its pages: the payment pages' policy, the page
cache, the configuration a receipt needs, the vocabulary its templates label codes with."""

from flask import Blueprint, current_app

from ...security import CONTENT_SECURITY_POLICY
from ...settings import ConfigurationError
from .. import vocabulary
from ..services import gifts, page_cache

bp = Blueprint("giving", __name__, url_prefix="/give")


class _WithStripe:
    """CSP sources plus the Stripe sources configured for one directive, read at response time."""

    def __init__(self, setting: str, *sources: str):
        self.setting = setting
        self.sources = sources

    def __iter__(self):
        return iter((*self.sources, *current_app.config[self.setting].split()))


# Only the pages that take a card load Stripe.js; every other page keeps the strict policy.
# Stripe's documented sources: Stripe.js from js.stripe.com, its frames from js.stripe.com and
# hooks.stripe.com (3-D Secure), its calls to api.stripe.com.
PAYMENT_PAGE_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "script-src": _WithStripe("STRIPE_CSP_SCRIPT_SRC", "'self'"),
    "frame-src": _WithStripe("STRIPE_CSP_FRAME_SRC"),
    "connect-src": _WithStripe("STRIPE_CSP_CONNECT_SRC", "'self'"),
}


bp.record_once(page_cache.install)


@bp.record_once
def _refuse_receipts_without_ein(state) -> None:
    """A 501(c)(3) receipt must carry the EIN: taking gifts in production without it is refused."""
    config = state.app.config
    if config["ENV_NAME"] == "production" and config["STRIPE_SECRET_KEY"] and not config["ORG_EIN"]:
        raise ConfigurationError("ORG_EIN must be set in production when STRIPE_SECRET_KEY is (receipts need it)")


@bp.app_context_processor
def _vocabulary():
    return {"giving_vocabulary": vocabulary, "giving_open_campaigns": gifts.open_campaigns}
