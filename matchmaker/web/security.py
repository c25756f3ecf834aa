"""Security headers on every response, with a per-request nonce for GOV.UK Frontend's one inline script."""

import secrets

from flask import Flask, Response, g, request
from flask_login import current_user


def _nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")
    script_src = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    # An email's HTML shown to officers as the recipient sees it carries its styles inline (never scripts).
    style_src = "'self' 'unsafe-inline'" if g.get("csp_inline_styles") else "'self'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {script_src}; style-src {style_src}; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Pages for a signed-in user may hold personal details: keep them out of shared caches and back-button history.
    if current_user and current_user.is_authenticated and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_security(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = _nonce
    app.after_request(_headers)
