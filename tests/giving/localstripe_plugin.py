"""localstripe as the test suite runs it: ``python localstripe_plugin.py --port N --from-scratch``.

localstripe speaks an old API version. This plugin patches it where the suite needs more:

- it pickles its whole store to the hard-coded /tmp/localstripe.pickle after every write (slow,
  and shared by every localstripe on the machine) and reloads it at start: both are disabled;
- a PaymentIntent given a new card after a decline is ready to confirm again, as with Stripe;
- what the current API version has and localstripe lacks: an invoice's ``confirmation_secret``,
  the invoice payments list (``GET /v1/invoice_payments?invoice=``) and webhook endpoints
  (``/v1/webhook_endpoints``, registered as localstripe webhooks);
- Stripe.js's ``createPaymentMethod`` (the stand-in's does nothing), which makes a PaymentMethod from
  the card element with the publishable key, as Stripe.js does;
- a subscription's ``pause_collection`` (set, and cleared with ``""``);
- ``payment_behavior=default_incomplete`` (the first invoice waits, open, to be paid) and
  ``invoices.pay`` with a ``payment_method`` (the customer's default: the stand-in charges that one);
- ``created`` filters (``gt``, ``gte``, ``lt``, ``lte``) on the PaymentIntent, invoice and refund
  lists, and a log of those list calls (``GET /_config/lists`` answers and empties it: the filter
  and the ids answered), so that a test can see what the app asked for;
- ``POST /_config/created/{id}`` with ``{"created": T}`` backdates an object (objects made "long ago");
- ``POST /_config/shape`` with ``{"shape": "current", "api_version": V}`` makes it answer in the
  current shape (an invoice without top-level ``subscription``, ``payment_intent`` and ``charge``;
  PaymentIntents and charges without ``invoice``; events of version V) until ``{"shape": "old"}``.
"""

import secrets
import sys

import localstripe.resources as r

r.Store.dump_to_disk = lambda self: None
r.Store.try_load_from_disk = lambda self: None

SHAPE = {"current": False, "api_version": None}
REMOVED_IN_CURRENT = {
    "invoice": ("subscription", "payment_intent", "charge"),
    "payment_intent": ("invoice",),
    "charge": ("invoice",),
}

_update_intent_of = r.PaymentIntent._api_update.__func__


def _update_intent(cls, id, **data):
    obj = _update_intent_of(cls, id, **data)
    if data.get("payment_method") and obj.status == "requires_payment_method":
        obj.latest_charge = None
    return obj


r.PaymentIntent._api_update = classmethod(_update_intent)


def _confirmation_secret(invoice):
    if invoice.payment_intent:
        intent = r.PaymentIntent._api_retrieve(invoice.payment_intent)
        return {"client_secret": intent.client_secret, "type": "payment_intent"}
    return None


r.Invoice.confirmation_secret = property(_confirmation_secret)


def _shaped(cls):
    export = cls._export

    def shaped_export(self, expand=None):
        obj = export(self, expand=expand)
        if SHAPE["current"]:
            for name in REMOVED_IN_CURRENT[cls.object]:
                obj.pop(name, None)
        return obj

    cls._export = shaped_export


for _cls in (r.Invoice, r.PaymentIntent, r.Charge):
    _shaped(_cls)

_event_init = r.Event.__init__


def _event(self, type, data):
    _event_init(self, type, data)
    if SHAPE["current"]:
        self.api_version = SHAPE["api_version"]


r.Event.__init__ = _event


class _Exported:
    """A plain object answered as it is."""

    def __init__(self, obj):
        self.obj = obj

    def _export(self, expand=None):
        return self.obj


def _invoice_payment(invoice):
    intent = r.PaymentIntent._api_retrieve(invoice.payment_intent)
    paid = intent.status == "succeeded"
    return {
        "id": "inpay_" + invoice.id[3:],
        "object": "invoice_payment",
        "invoice": invoice.id,
        "amount_requested": invoice.amount_due,
        "amount_paid": invoice.amount_due if paid else None,
        "currency": invoice.currency,
        "is_default": True,
        "livemode": False,
        "created": invoice.created,
        "status": "paid" if paid else "open",
        "payment": {"type": "payment_intent", "payment_intent": intent.id},
        "status_transitions": {"canceled_at": None, "paid_at": invoice.status_transitions["paid_at"]},
    }


def _list_invoice_payments(invoice=None, **params):
    found = r.Invoice._api_retrieve(invoice) if invoice else None
    data = [_invoice_payment(found)] if found is not None and found.payment_intent else []
    return _Exported({"object": "list", "url": "/v1/invoice_payments", "has_more": False, "data": data})


ENDPOINTS = {}


def _create_webhook_endpoint(url=None, enabled_events=None, api_version=None, **params):
    from localstripe.webhooks import register_webhook

    if not url or not enabled_events:
        raise r.UserError(400, "Bad request")
    endpoint = {
        "id": "we_" + secrets.token_hex(8),
        "object": "webhook_endpoint",
        "url": url,
        "enabled_events": enabled_events,
        "api_version": api_version,
        "status": "enabled",
        "secret": "whsec_" + secrets.token_hex(16),
    }
    ENDPOINTS[endpoint["id"]] = endpoint
    register_webhook(endpoint["id"], url, endpoint["secret"], None if enabled_events == ["*"] else enabled_events)
    return _Exported(endpoint)


def _retrieve_webhook_endpoint(id=None, **params):
    if id not in ENDPOINTS:
        raise r.UserError(404, "Not Found")
    return _Exported(ENDPOINTS[id])


def _update_subscription(update):
    def with_pause(self, pause_collection=None, **data):
        if pause_collection is not None:  # "" resumes
            if pause_collection and pause_collection.get("behavior") not in (
                "void",
                "keep_as_draft",
                "mark_uncollectible",
            ):
                raise r.UserError(400, "Bad request")
            self.pause_collection = pause_collection or None
        update(self, **data)

    return with_pause


r.Subscription._update = _update_subscription(r.Subscription._update)
_subscription_init = r.Subscription.__init__
_create_invoice = r.Subscription._create_invoice
_original_pay = r.Invoice.__dict__["_api_pay_invoice"].__func__


def _new_subscription(self, *args, payment_behavior="allow_incomplete", **kwargs):
    # default_incomplete: the first invoice waits, open, for the app to pay it (invoices.pay).
    self._first_invoice_waits = payment_behavior == "default_incomplete"
    if self._first_invoice_waits:
        payment_behavior = "allow_incomplete"
    _subscription_init(self, *args, payment_behavior=payment_behavior, **kwargs)
    self.pause_collection = None


def _new_invoice(self):
    if not getattr(self, "_first_invoice_waits", False):
        return _create_invoice(self)
    self._first_invoice_waits = False
    r.Invoice._api_pay_invoice = classmethod(lambda cls, id: cls._api_retrieve(id))
    try:
        _create_invoice(self)
    finally:
        r.Invoice._api_pay_invoice = classmethod(_pay_with)


def _pay_with(cls, id, payment_method=None, **params):
    """Pay an invoice, with ``payment_method`` as Stripe takes it. The stand-in always charges the
    customer's default card, so a payment method must be that one (the app makes it so first)."""
    if params:
        raise r.UserError(400, "Unexpected " + ", ".join(params))
    if payment_method is not None:
        customer = r.Customer._api_retrieve(cls._api_retrieve(id).customer)
        if customer.invoice_settings.get("default_payment_method") != payment_method:
            raise r.UserError(500, "Not implemented: paying with a card that is not the customer's default")
    return _original_pay(cls, id)


r.Subscription.__init__ = _new_subscription
r.Subscription._create_invoice = _new_invoice
r.Invoice._api_pay_invoice = classmethod(_pay_with)
r.extra_apis[:] = [
    (method, url, r.Invoice._api_pay_invoice if url == "/v1/invoices/{id}/pay" else func)
    for method, url, func in r.extra_apis
]

LISTS = []  # what the app listed, for the tests


def _created_filter(created):
    if created is None:
        return lambda obj: True
    if not isinstance(created, dict) or not set(created) <= {"gt", "gte", "lt", "lte"}:
        raise r.UserError(400, "Bad request")
    bounds = {k: int(v) for k, v in created.items()}
    checks = {
        "gt": lambda c, b: c > b,
        "gte": lambda c, b: c >= b,
        "lt": lambda c, b: c < b,
        "lte": lambda c, b: c <= b,
    }
    return lambda obj: all(checks[k](obj.created, b) for k, b in bounds.items())


def _listed_since(cls):
    list_all = cls._api_list_all.__func__

    def filtered(cls, url, created=None, **params):
        keep = _created_filter(created)
        found = list_all(cls, url, **params)
        found._list = [obj for obj in found._list if keep(obj)]
        if url == f"/v1/{cls.object}s":  # asked over HTTP, not a charge listing its own refunds
            LISTS.append({"object": cls.object, "created": created, "answered": [obj.id for obj in found._list]})
        return found

    cls._api_list_all = classmethod(filtered)


for _cls in (r.PaymentIntent, r.Invoice, r.Refund):
    _listed_since(_cls)

r.extra_apis.extend(
    (
        ("GET", "/v1/invoice_payments", _list_invoice_payments),
        ("POST", "/v1/webhook_endpoints", _create_webhook_endpoint),
        ("GET", "/v1/webhook_endpoints/{id}", _retrieve_webhook_endpoint),
    )
)

import localstripe.server as s  # noqa: E402  (its routes are made from extra_apis at import)


async def _config_shape(request):
    data = await request.json()
    SHAPE["current"] = data.get("shape") == "current"
    SHAPE["api_version"] = data.get("api_version")
    return s.web.Response()


s.app.router.add_post("/_config/shape", _config_shape)


async def _config_lists(request):
    answered = list(LISTS)
    LISTS.clear()
    return s.json_response(answered)


async def _config_created(request):
    data = await request.json()
    found = [obj for key, obj in r.store.items() if key.endswith(":" + request.match_info["id"])]
    if not found:
        return s.web.Response(status=404)
    found[0].created = int(data["created"])
    return s.web.Response()


s.app.router.add_get("/_config/lists", _config_lists)
s.app.router.add_post("/_config/created/{id}", _config_created)

# Stripe.js makes a PaymentMethod from the card element; the stand-in's createPaymentMethod does
# nothing. Served after localstripe's own script, with the publishable key as Stripe.js sends it.
CREATE_PAYMENT_METHOD = """
(function () {
  const standIn = window.Stripe;
  window.Stripe = function (apiKey, options) {
    const stripe = standIn(apiKey, options);
    stripe.createPaymentMethod = async (data) => {
      const element = data.card;
      const response = await fetch(`${LOCALSTRIPE_BASE_API}/v1/payment_methods`, {
        method: "POST",
        body: JSON.stringify({key: apiKey, type: "card", card: element.value.card,
                              billing_details: Object.assign({}, data.billing_details,
                                {address: {postal_code: element.value.postal_code}})}),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || body.error) return {error: body.error || {message: "card"}};
      return {paymentMethod: body};
    };
    return stripe;
  };
})();
"""


async def _stripe_js(request):
    answer = s.localstripe_js(request)
    return s.web.Response(text=answer.text + CREATE_PAYMENT_METHOD, content_type="application/javascript")


for _route in s.app.router.routes():
    if _route.resource.canonical == "/js.stripe.com/v3/" and _route.method == "GET":
        _route._handler = _stripe_js


@s.web.middleware
async def _payment_method_by_publishable_key(request, handler):
    """Stripe.js makes PaymentMethods with the publishable key; the stand-in accepts it only for tokens."""
    if request.method == "POST" and request.path == "/v1/payment_methods" and s.get_api_key(request) is None:
        data = await s.get_post_data(request, remove_auth=False)
        if not (isinstance(data, dict) and str(data.get("key", "")).startswith("pk_")):
            raise r.UserError(401, "Unauthorized")
        return await _create_payment_method(request)
    return await handler(request)


async def _create_payment_method(request):
    data = await s.get_post_data(request)
    return s.json_response(r.PaymentMethod._api_create(**data)._export())


s.app.middlewares.insert(s.app.middlewares.index(s.auth_middleware), _payment_method_by_publishable_key)
sys.argv = ["localstripe"] + sys.argv[1:]
s.start()
