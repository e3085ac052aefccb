"""What every request passes and every answer gets: the body limit, the NUL check, safe
redirect targets, response headers and cookie settings."""

from __future__ import annotations

import re

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from engage.uploads import UploadAwareRequest
from engage.validation import storable

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so
# "/\t/evil.com" and "/\\evil.com" both lead to //evil.com, another site.
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def is_local_path(target: str) -> bool:
    """True only for a path on this site, as the browser will read it: one leading slash,
    and no control character or backslash that the browser would drop or turn into a slash."""
    return target.startswith("/") and not target.startswith("//") and not _UNSAFE_IN_PATH.search(target)


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return app.config["SESSION_COOKIE_SECURE"] or request.is_secure


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def register_security(app: Flask) -> None:
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = SessionInterface()
    app.request_class = UploadAwareRequest
    app.after_request(set_security_headers)


def storable_request_fields() -> None:
    """Before every request: a NUL in any query or form field is refused (400, naming the
    field) before a view stores it; PostgreSQL would refuse it mid-transaction with a 500."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            storable(name, name)
            storable(value, name)
