"""Public giving pages: donate, pay, the Stripe webhook, campaign pages and the impact page."""

import time
from typing import Any
from urllib.parse import quote, urlencode

from flask import abort, current_app, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf

from ... import timeutil
from ...access import public
from ...assistance import services as assistance
from ...errors import expired_form_page
from ...extensions import csrf, limiter, talisman
from ...http import called_by_a_machine
from ...money import money, to_cents
from ...tours import services as tours
from ..forms import DonateForm
from ..services import checkout, donors, fees, page_cache, webhooks
from ..services import gifts as services
from ..services.stripe_gateway import configured
from .blueprint import PAYMENT_PAGE_POLICY, bp


def payment_rate_limit() -> str:
    return current_app.config["DONATION_RATE_LIMIT"]


def _wants_page() -> bool:
    """A form posted by the browser itself (no script ran), rather than by the donate page's script
    (which says so with X-Requested-With)."""
    return (
        not request.headers.get("X-Requested-With")
        and request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    )


def _answer(payload: dict, code: int = 200):
    """JSON for the donate page's script; a page of our own for a form posted without it, with the
    other ways to give, so that nobody is ever shown raw JSON or a bare error."""
    if not _wants_page():
        return jsonify(payload), code
    if payload.get("status") == "succeeded":
        return redirect(url_for("giving.thanks"))
    return render_template(
        "giving/pay_result.html", message=payload.get("message", ""), errors=payload.get("errors", {}), other_ways=True
    ), code


def _no_card_form():
    """The form was posted by a browser in which the card form never ran (no JavaScript, or
    Stripe.js blocked): the page says so and offers the other ways to give."""
    return _answer(
        dict(status="error", message=_("The card form did not run in your browser, so nothing was charged.")), 400
    )


def _rate_limited(limit):
    checkout.refuse("rate_limited", detail=str(limit.limit))
    return _answer(
        dict(status="error", message=_("Too many attempts from your connection. Wait a few minutes and try again.")),
        429,
    )


def _fund_choices():
    locale = str(get_locale())
    return [(f.code, f.name(locale)) for f in services.funds()]


def _donate_form(campaign=None) -> DonateForm:
    form = DonateForm()
    form.fund.choices = _fund_choices()
    dollars = current_app.config["DONATION_SUGGESTED_DOLLARS"]
    form.amount.choices = [(str(d), money(to_cents(d))) for d in dollars] + [("other", _("Other"))]
    if request.method == "GET":
        form.amount.data = form.amount.data or str(dollars[1] if len(dollars) > 1 else dollars[0])
        if campaign and campaign.fund:
            form.fund.data = campaign.fund.code
    return form


# The donate page is the same for every visitor in a language (with the same ?campaign and ?event),
# except for the CSRF token. When the magazine story runs it must stay fast, so it is rendered once
# per variant with a placeholder. A visitor who already has a session gets the token in the page;
# a first-time visitor gets none (no session to create and sign on every hit) and donate.js fetches
# one from /give/csrf before the form can be sent. Only the normalised address is rendered (a
# known campaign, a public tour event, nothing else): any other query string is redirected to it,
# so that nothing a visitor typed in the address is echoed into a page kept for everyone.
CSRF_PLACEHOLDER = "__mexiles_csrf_token__"


@bp.route("/")
@talisman(content_security_policy=PAYMENT_PAGE_POLICY)
@public
def donate():
    """The public donate page; ``?campaign=<slug>`` and ``?event=<tour event id>`` credit the gift."""
    seconds = current_app.config["GIVING_PAGE_CACHE_SECONDS"]
    slug, event_id = _normalised(seconds)
    credited: dict[str, Any] = {k: v for k, v in (("campaign", slug), ("event", event_id)) if v}
    canonical = url_for("giving.donate", **credited)
    if request.full_path.rstrip("?") != canonical:
        return redirect(canonical)
    cacheable = seconds and not current_user.is_authenticated and not session.get("_flashes")
    key = (str(get_locale()), slug, event_id, configured())
    pages = page_cache.entries()
    cached = pages.get(key) if cacheable else None
    if cached is None or cached[0] < time.monotonic():
        cached = (time.monotonic() + seconds, _render_donate(slug, event_id))
        if cacheable:
            pages.put(key, cached)
    token = _token_if_session() if cacheable else generate_csrf()
    response = make_response(cached[1].replace(CSRF_PLACEHOLDER, token))
    if cacheable and not token:
        response.headers[page_cache.CACHE_HEADER] = str(seconds)  # the same for every first-time visitor
    return response


def _normalised(seconds: int) -> tuple[str | None, int | None]:
    """The campaign slug (if a campaign has it) and the event id (if a public tour event has it)
    of the request, remembered for a while so that the cached page costs no query."""
    raw = (request.args.get("campaign", "")[:80], request.args.get("event", "")[:12])
    if raw == ("", ""):
        return None, None
    remembered = page_cache.entries().get(("normalised", raw)) if seconds else None
    if remembered is None or remembered[0] < time.monotonic():
        remembered = (time.monotonic() + seconds, (valid_campaign(raw[0]), valid_event(raw[1])))
        if seconds:
            page_cache.entries().put(("normalised", raw), remembered)
    return remembered[1]


def valid_campaign(slug: str | None) -> str | None:
    campaign = services.campaign_by_slug(slug) if slug else None
    return campaign.slug if campaign else None


def valid_event(value: str | None) -> int | None:
    """A tour event id, only if the tours domain says the event exists and is public."""
    if not value or not value.isdigit() or len(value) > 9:
        return None
    return int(value) if tours.public_event(int(value)) is not None else None


def _token_if_session() -> str:
    return generate_csrf() if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) else ""


@bp.route("/csrf")
@public
def csrf_token():
    """A CSRF token for pages served from the cache to first-time visitors."""
    return jsonify(token=generate_csrf()), 200, {"Cache-Control": "no-store"}


def _render_donate(slug, event_id) -> str:
    campaign = services.campaign_by_slug(slug)
    if campaign is not None and not services.campaign_open(campaign):
        campaign = None
    form = _donate_form(campaign)
    form.campaign.data = campaign.slug if campaign else ""
    form.event.data = str(event_id) if event_id else ""
    return render_template(
        "giving/donate.html",
        configured=configured(),
        form=form,
        campaign=campaign,
        event_id=event_id,
        talk=tours.public_talk(event_id) if event_id else None,
        csrf_token=lambda: CSRF_PLACEHOLDER,
    )


@bp.route("/fee")
@public
def fee():
    """The exact amount added to cover the fee on ``?cents=``; the page shows it as the donor types."""
    cents = request.args.get("cents", type=int) or 0
    if cents <= 0 or cents > 100_000_00:
        return jsonify(added=0, text="")
    added = fees.fee_added(cents)
    return jsonify(
        added=added,
        text=_(
            "Adds %(fee)s: we receive %(net)s, your card is charged %(total)s.",
            fee=money(added),
            net=money(cents),
            total=money(cents + added),
        ),
    )


def _gift_data(form: DonateForm) -> dict:
    cents = form.chosen_cents()
    fund = services.fund_by_code(form.fund.data)
    if cents is None or fund is None:  # the form's validation refuses both
        raise ValueError("a gift's data comes from a validated form")
    covered = fees.fee_added(cents) if form.cover_fee.data else 0
    campaign = services.campaign_by_slug(form.campaign.data)
    tribute = form.tribute_kind.data or None
    return {
        "amount_cents": cents + covered,
        "covered_fee_cents": covered,
        "fund_id": fund.id,
        "campaign_id": campaign.id if services.campaign_open(campaign) else None,
        "tour_event_id": valid_event(form.event.data),
        "currency": current_app.config["GIVING_CURRENCY"],
        "anonymous": form.anonymous.data,
        "tribute_kind": tribute,
        "tribute_name": (form.tribute_name.data or "").strip() if tribute else None,
        "tribute_notify_email": (form.tribute_email.data or "").strip() if tribute else None,
        "name": form.name.data.strip(),
        "email": form.email.data,
        "address": (form.address.data or "").strip(),
        "locale": str(get_locale()),
        "listed": form.listed.data,
        "amount_shown": form.amount_shown.data,
        "opted_in": form.opted_in.data,
        "own_donor": _own_donor(form.email.data),
    }


def _own_donor(email: str) -> bool:
    """Is the donor signed in and giving under their own address? Only then may the form change
    their name, address and listing."""
    donor = donors.for_user(current_user)
    return donor is not None and donor.email_key == donors.email_key(email)


@bp.route("/pay", methods=["POST"])
@limiter.limit(payment_rate_limit, methods=["POST"], on_breach=_rate_limited)
@public
def pay():
    """Take the gift: the page posts the form with the id of the PaymentMethod Stripe.js made."""
    if not configured():
        abort(404)
    form = _donate_form()
    if form.website.data:
        checkout.refuse("honeypot")
        return _answer(dict(status="error", message=_("We could not take this gift. Please contact us.")), 400)
    if _wants_page() and not form.payment_method.data:
        return _no_card_form()
    if not form.validate_on_submit():
        if "other_amount" in form.errors:
            checkout.refuse("invalid_amount", form.chosen_cents())
        return _answer(
            dict(
                status="invalid",
                errors={k: [str(m) for m in v] for k, v in form.errors.items()},
                message=_("Please correct the fields marked below. Nothing you typed has been lost."),
            ),
            400,
        )
    if not form.payment_method.data:
        return _answer(dict(status="error", message=_("Enter your card details.")), 400)
    data = _gift_data(form)
    if form.frequency.data == "monthly":
        result = checkout.give_monthly(data, form.attempt.data, form.payment_method.data)
    else:
        result = checkout.give_once(data, form.attempt.data, form.payment_method.data)
    return _answer(result.as_json(), 200 if result.status != "error" else 402)


@bp.route("/pay/confirm", methods=["POST"])
@limiter.limit(payment_rate_limit, methods=["POST"], on_breach=_rate_limited)
@public
def pay_confirm():
    """After Stripe.js finished authentication (3-D Secure): where does the payment stand?"""
    attempt = request.form.get("attempt", "")
    if not configured() or not attempt:
        abort(404)
    result = checkout.after_authentication(attempt)
    return _answer(result.as_json(), 200 if result.status != "error" else 402)


@bp.errorhandler(CSRFError)
def _expired(error):
    """The donate page's form kept too long (or posted before its script fetched a token)."""
    if request.endpoint not in ("giving.pay", "giving.pay_confirm"):
        return expired_form_page()
    if _wants_page() and not request.form.get("payment_method"):
        return _no_card_form()  # a page from the cache, whose script never fetched its token
    return _answer(
        dict(status="error", message=_("This page has expired. Nothing was charged: reload the page and give again.")),
        400,
    )


@bp.route("/thanks")
@public
def thanks():
    return render_template("giving/thanks.html")


@bp.route("/stripe/webhook", methods=["POST"])
@public
@called_by_a_machine  # Stripe's signature guards it, and a throttled delivery is only retried later
def stripe_webhook():
    """Stripe's events: the truth about payments. Signed with STRIPE_WEBHOOK_SECRET."""
    if not current_app.config["STRIPE_WEBHOOK_SECRET"]:
        abort(404)
    try:
        outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except webhooks.BadSignature:
        return jsonify(error="bad signature"), 400
    except webhooks.NotAnEvent as error:
        return jsonify(error=f"not a Stripe event: {error}"), 400
    return jsonify(received=outcome)


csrf.exempt(stripe_webhook)


@bp.route("/campaign/<slug>")
@public
def campaign(slug):
    found = services.campaign_by_slug(slug) or abort(404)
    progress = services.campaign_progress(found, timeutil.today())
    months = assistance.public_impact(found.fund_id) if found.fund_id else []
    return render_template(
        "giving/campaign.html",
        campaign=found,
        progress=progress,
        wall=services.campaign_wall(found),
        share=_share_links(found),
        locale=str(get_locale()),
        impact_months=months,
        one_fund=True,
        public_minimum=assistance.PUBLIC_MINIMUM,
    )


def _share_links(campaign) -> dict[str, str]:
    """Plain links that carry the campaign's address: no third-party script, nothing the CSP loads."""
    address = url_for("giving.campaign", slug=campaign.slug, _external=True)
    text = f"{campaign.title(str(get_locale()))} {address}"
    return {
        "address": address,
        "email": "mailto:?" + urlencode({"subject": campaign.title(str(get_locale())), "body": text}, quote_via=quote),
        "sms": "sms:?" + urlencode({"body": text}, quote_via=quote),
        "whatsapp": "https://wa.me/?" + urlencode({"text": text}, quote_via=quote),
    }


@bp.route("/impact")
@public
def impact():
    # Beside what giving knows, what each fund paid for: emergency assistance gathers it.
    return render_template(
        "giving/impact.html",
        impact=services.impact(),
        impact_months=assistance.public_impact(),
        one_fund=False,
        public_minimum=assistance.PUBLIC_MINIMUM,
        locale=str(get_locale()),
    )
