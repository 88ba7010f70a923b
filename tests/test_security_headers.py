"""Headers every response carries: a Content-Security-Policy that allows scripts only from
our static files (so the templates hold none inline), and a session cookie that another
site's form cannot send."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.files.models import StoredFile
from core.filings.review import service as filings
from tests.auth.test_login import login
from tests.files import samples
from tests.filings.conftest import accepted

ROOT = Path(__file__).resolve().parent.parent
CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
PAGES = ["/dashboard", "/enterprises", "/filings", "/filings/overview", "/drills", "/checklists", "/files",
         "/jobs", "/inbox", "/me", "/users", "/audit", "/calendar", "/plugins", "/api/v1/docs"]


def test_pages_answer_the_policy(as_user):
    c = as_user("wsq_admin")
    for path in PAGES:
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Content-Security-Policy"] == CSP, path
        assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_pages_errors_and_json_answer_the_policy(client, api):
    for resp in (client.get("/login"), client.get("/api/v1/docs"), client.get("/no-such-page"),
                 api("wsq_admin").get("/api/v1/me"), samples.closed(client.get("/static/anjian.css"))):
        assert resp.headers["Content-Security-Policy"] == CSP, resp.request.path


def test_certificate_page_keeps_its_styles_in_the_stylesheet(app, ctx_for, as_user):
    fid = accepted(ctx_for, app.extensions["anjian.files"], filings.beijing_today())
    c = as_user("wsq_reviewer")
    page = c.get(f"/filings/{fid}/certificate")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == CSP
    assert "<style" not in page.text and 'data-testid="certificate"' in page.text
    assert ".cert-table" in samples.closed(c.get("/static/anjian.css")).text


def test_inline_pdf_is_served_under_the_same_headers(as_user, db):
    """The PDF preview opens in a new tab: Chromium shows a PDF whatever the policy (the
    policy governs HTML), so the same headers are fine on it."""
    c = as_user("ent1_officer")
    resp = c.post("/files", data={"csrf_token": c.csrf, "file": (io.BytesIO(samples.pdf()), "预案.pdf")},
                  content_type="multipart/form-data")
    assert resp.status_code == 303
    fid = db.scalar(select(StoredFile.id).where(StoredFile.original_name == "预案.pdf"))
    resp = samples.closed(c.get(f"/files/{fid}/download?inline=1"))
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("inline;")
    assert resp.headers["Content-Security-Policy"] == CSP


# --- no inline script anywhere the policy would block it ---

TEMPLATES = [*ROOT.glob("core/**/templates/**/*.html"), *ROOT.glob("tenants/templates/**/*.html"),
             *ROOT.glob("plugins/**/*.html")]
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I), "inline <script> (move it to core/static/)"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "on…= event handler (use addEventListener in a static file)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"<style\b", re.I), "inline <style> (move it to core/static/anjian.css)"),
]


def inline_code(text: str) -> list[str]:
    return [what for pattern, what in INLINE if pattern.search(text)]


@pytest.mark.parametrize("snippet, found", [
    ('<script>alert(1)</script>', True),
    ('<script type="module">x()</script>', True),
    ('<button class="btn" onclick="go()">', True),
    ('<body onload = "x()">', True),
    ('<a href="javascript:void(0)">', True),
    ('<script src="{{ url_for(\'static\', filename=\'confirm.js\') }}"></script>', False),
    ('<button type="button" data-print hidden>打印</button>', False),
    ('<p>session on=</p><td data-json="x">', False),
])
def test_the_check_finds_inline_code(snippet, found):
    assert bool(inline_code(snippet)) is found


def test_templates_hold_no_inline_script_or_handler():
    assert len(TEMPLATES) > 30  # the globs really found the templates
    offenders = {str(p.relative_to(ROOT)): inline_code(p.read_text(encoding="utf-8")) for p in TEMPLATES}
    assert not {p: w for p, w in offenders.items() if w}, "the Content-Security-Policy would block these"


# --- the session cookie ---

def session_cookie(resp) -> str:  # noqa: ANN001
    cookies = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, resp.headers
    return cookies[-1]


def test_session_cookie_is_samesite_lax_and_httponly(client):
    resp = login(client, "wsq_admin")
    assert resp.status_code == 302
    cookie = session_cookie(resp)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("env", [{"ANJIAN_PREFERRED_URL_SCHEME": "https"}, {"ANJIAN_SESSION_COOKIE_SECURE": "true"}])
def test_session_cookie_is_secure_behind_tls(make_app, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    # A secure cookie only comes back over https, so the test client speaks it too.
    page = client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post("/login", base_url="https://localhost",
                       data={"csrf_token": token, "username": "wsq_admin", "password": "anjian-demo"})
    assert resp.status_code == 302
    cookie = session_cookie(resp)
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
