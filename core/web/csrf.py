"""CSRF protection for browser sessions: a per-session token in every form (hidden field
`csrf_token`) or in the `X-CSRF-Token` header for fetch(). Bearer-token API calls carry no
cookie and need none."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, g, request, session

SAFE = {"GET", "HEAD", "OPTIONS"}


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    if request.method in SAFE:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    # Token creation by password is how machines start; it sets no cookie.
    if request.endpoint == "api_tokens.create_token":
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        g.csrf_failed = True
        abort(400, description="页面已过期或请求来源无效（CSRF 校验失败），请刷新页面后重试")
