"""The Content Security Policy of every page; a blueprint may widen it for its own pages (giving's
payment pages load Stripe.js), without importing the app factory."""

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
