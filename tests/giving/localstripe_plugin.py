"""localstripe as the test suite runs it: ``python localstripe_plugin.py --port N --from-scratch``.

localstripe speaks an old API version. This plugin patches it where the suite needs more:

- it pickles its whole store to the hard-coded /tmp/localstripe.pickle after every write (slow,
  and shared by every localstripe on the machine) and reloads it at start: both are disabled;
- a PaymentIntent given a new card after a decline is ready to confirm again, as with Stripe;
- what the current API version has and localstripe lacks: an invoice's ``confirmation_secret``,
  the invoice payments list (``GET /v1/invoice_payments?invoice=``) and webhook endpoints
  (``/v1/webhook_endpoints``, registered as localstripe webhooks);
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
REMOVED_IN_CURRENT = {"invoice": ("subscription", "payment_intent", "charge"),
                      "payment_intent": ("invoice",), "charge": ("invoice",)}

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
    return {"id": "inpay_" + invoice.id[3:], "object": "invoice_payment", "invoice": invoice.id,
            "amount_requested": invoice.amount_due, "amount_paid": invoice.amount_due if paid else None,
            "currency": invoice.currency, "is_default": True, "livemode": False, "created": invoice.created,
            "status": "paid" if paid else "open",
            "payment": {"type": "payment_intent", "payment_intent": intent.id},
            "status_transitions": {"canceled_at": None, "paid_at": invoice.status_transitions["paid_at"]}}


def _list_invoice_payments(invoice=None, **params):
    found = r.Invoice._api_retrieve(invoice) if invoice else None
    data = [_invoice_payment(found)] if found is not None and found.payment_intent else []
    return _Exported({"object": "list", "url": "/v1/invoice_payments", "has_more": False, "data": data})


ENDPOINTS = {}


def _create_webhook_endpoint(url=None, enabled_events=None, api_version=None, **params):
    from localstripe.webhooks import register_webhook

    if not url or not enabled_events:
        raise r.UserError(400, "Bad request")
    endpoint = {"id": "we_" + secrets.token_hex(8), "object": "webhook_endpoint", "url": url,
                "enabled_events": enabled_events, "api_version": api_version, "status": "enabled",
                "secret": "whsec_" + secrets.token_hex(16)}
    ENDPOINTS[endpoint["id"]] = endpoint
    register_webhook(endpoint["id"], url, endpoint["secret"], None if enabled_events == ["*"] else enabled_events)
    return _Exported(endpoint)


def _retrieve_webhook_endpoint(id=None, **params):
    if id not in ENDPOINTS:
        raise r.UserError(404, "Not Found")
    return _Exported(ENDPOINTS[id])


r.extra_apis.extend((("GET", "/v1/invoice_payments", _list_invoice_payments),
                     ("POST", "/v1/webhook_endpoints", _create_webhook_endpoint),
                     ("GET", "/v1/webhook_endpoints/{id}", _retrieve_webhook_endpoint)))

import localstripe.server as s  # noqa: E402  (its routes are made from extra_apis at import)


async def _config_shape(request):
    data = await request.json()
    SHAPE["current"] = data.get("shape") == "current"
    SHAPE["api_version"] = data.get("api_version")
    return s.web.Response()


s.app.router.add_post("/_config/shape", _config_shape)
sys.argv = ["localstripe"] + sys.argv[1:]
s.start()
