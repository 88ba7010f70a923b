"""Web wiring: login requirement, CSRF, security headers, template globals and the navigation."""
from __future__ import annotations

from flask import Flask, g, redirect, request, url_for
from flask_babel import gettext as _

from core.notifications.service import unread_count
from core.plugins.service import menu_items
from core.web import filters
from core.web import request as req
from core.web.csrf import check_csrf, csrf_token

# Endpoints reachable without logging in.
PUBLIC = {"auth.login", "static", "health.healthz", "api-docs.openapi_json", "api_docs_page.docs"}


def _nav() -> list[dict]:
    """Menu entries for the current user, in order: a link is {"endpoint", "label"}; a group
    is {"label", "links": [link, ...]}, shown as one entry that opens a small menu. A bureau
    admin's administration pages form the group "管理" so the menu fits on one row at 1366 px."""
    ctx = req.ctx()
    if ctx is None:
        return []
    a = ctx.actor

    def link(endpoint: str, label: str) -> dict:
        return {"endpoint": endpoint, "label": label}

    items = [link("main.dashboard", _("工作台"))]
    admin: list[dict] = []
    if a.is_bureau:
        items.append(link("tenants.enterprises", _("企业")))
        if a.role == "admin":
            admin = [link("tenants.bureaus", _("单位与股室")), link("users.list_users", _("用户")),
                     link("audit.events", _("审计记录")), link("calendar.index", _("工作日历")),
                     link("plugins.index", _("插件"))]
    else:
        items.append(link("tenants.profile", _("企业信息")))
        if a.role == "admin":
            items.append(link("users.list_users", _("用户")))
    items.append(link("filings.index", _("预案备案")))
    items.append(link("drills.index", _("应急演练")))
    if a.is_bureau:
        items.append(link("filing_overview.index", _("备案统计")))
    items.append(link("ledgers.index", _("隐患台账")))
    items.append(link("campaigns.index", _("专项整治")))
    items += [link("checklists.index", _("检查表自查")), link("files.index", _("文件")), link("jobs.list_jobs", _("任务"))]
    items += [link(m.endpoint, m.label) for m in menu_items(ctx)]
    if admin:
        items.append({"label": _("管理"), "links": admin})
    return items


def register(app: Flask) -> None:
    """The web tier's app-wide hooks; each area's blueprints come from its manifest."""
    app.teardown_appcontext(req.close_db)

    @app.before_request
    def guard():  # noqa: ANN202
        if request.endpoint is None:
            return None
        check_csrf()
        if request.endpoint in PUBLIC or request.path.startswith("/api/"):
            return None
        if req.current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def security_headers(response):  # noqa: ANN001, ANN202
        # One-click forms (停用插件, 吊销令牌) must not be clickjacked from another site.
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Scripts only from our static files, so injected markup cannot run; templates hold no
        # inline <script> or on…= handler (tests/test_security_headers.py greps for them).
        # Inline styles stay allowed: templates set widths with style="…" attributes. Sent on
        # every response; on PDFs and JSON it is harmless (Chromium still shows PDFs inline).
        response.headers.setdefault("Content-Security-Policy", (
            "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # Registered last so it runs first: an answer to a failed commit gets the headers too.
    app.after_request(req.finish)

    @app.context_processor
    def globals_():  # noqa: ANN202
        ctx = req.ctx() if request.endpoint not in (None, "static") else None
        return {
            "csrf_token": csrf_token,
            "actor": ctx.actor if ctx else None,
            "current_user": g.get("user"),
            "nav": _nav() if ctx else [],
            "unread": unread_count(ctx) if ctx else 0,
        }

    filters.register(app)
