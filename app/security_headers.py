"""Security headers on every answer: a Content Security Policy, no framing, a strict referrer, no sniffing, no powerful
browser features, and HSTS in production.

Every script and stylesheet is a file under app/static (no inline `<script>`, no `on…=` handlers, no `style=`
attributes), so the policy allows only the site's own origin for both. Images may come from any https host (stories)
and `data:` (Bootstrap's icons, the two-factor QR code). Forms post to the site, whose donation and pledge answers
redirect to Stripe's Checkout: `form-action` names it, since browsers check the redirect of a form too.
"""

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self' https://checkout.stripe.com",
    "frame-ancestors 'none'",
))

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
    "payment", "usb",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def init_app(app):
    """Add the headers to every answer, error pages included; a view that sets one of them itself keeps its own."""
    headers = dict(HEADERS)
    if app.config.get("HSTS_SECONDS"):
        headers["Strict-Transport-Security"] = f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"

    named = [(name.lower(), name, value) for name, value in headers.items()]

    @app.after_request
    def add_security_headers(response):
        # The answer's own headers are looked at once (Headers.setdefault would scan them for each of ours).
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(name, value) for lower, name, value in named if lower not in present])
        return response
