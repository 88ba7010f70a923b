"""Every state-changing route refuses a browser session's request without the form token,
before the view runs: read from the URL map, so a new form or endpoint is covered too."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core.audit.models import AuditEvent

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Creating a token by password is how a machine client starts: it carries no session cookie.
EXEMPT = {"api_tokens.create_token"}


def unsafe_routes(app):  # noqa: ANN001, ANN201
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        url = rule.build({a: 1 if isinstance(c, IntegerConverter) else "x" for a, c in rule._converters.items()},
                         append_unknown=False)[1]
        for method in sorted(rule.methods & UNSAFE):
            yield rule, method, url


def test_unsafe_routes_need_the_csrf_token(app, as_user, db):  # noqa: ANN001
    admin = as_user("wsq_admin")
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    routes = list(unsafe_routes(app))
    assert len(routes) > 40
    for rule, method, url in routes:
        for extra in ({}, {"headers": {"X-CSRF-Token": "wrong"}}, {"data": {"csrf_token": ""}}):
            r = admin.open(url, method=method, **extra)
            assert r.status_code == 400, (method, rule.rule, r.status_code)
            assert "CSRF" in r.get_data(as_text=True), (method, rule.rule)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_right_token_passes_the_check(as_user):  # noqa: ANN001
    admin = as_user("wsq_admin")
    r = admin.post("/api/v1/notifications/999999/read", headers={"X-CSRF-Token": admin.csrf})
    assert r.status_code == 404   # past the check, to the view: no such notification
