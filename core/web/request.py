"""Per-request database session and principal: the request's unit of work.

The session opens lazily and is scoped to the caller's subtree as soon as the caller is
known. Views and API functions never commit: when the response is ready, `finish` commits
if it succeeds (status below 400) and the view did not `doom` the request, and rolls back
otherwise; teardown closes the session. Outbox delivery and inline jobs run after the
commit (core.jobs.executor listens for the transaction's end), so they see what it wrote.
"""
from __future__ import annotations

import io
import re
from urllib.parse import quote

from flask import current_app, g, request, send_file
from flask import session as cookie

from core.auth import service as auth
from core.context import ServiceContext
from core.db import has_writes


def db():  # noqa: ANN201
    if "db_session" not in g:
        g.db_session = current_app.extensions["anjian.db"].session()
    return g.db_session


def close_db(_exc=None) -> None:  # noqa: ANN001
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def current_user():  # noqa: ANN201
    """The caller: a Bearer token (API clients) or the login session (browsers)."""
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = auth.user_for_token(db(), header[7:].strip())
        g.via_token = True
    elif "uid" in cookie:
        user = auth.user_for_session(db(), cookie["uid"], cookie.get("epoch", 0))
    g.user = user
    return user


def ctx() -> ServiceContext | None:
    """The ServiceContext for this request, or None for an anonymous caller."""
    if "ctx" not in g:
        user = current_user()
        g.ctx = ServiceContext.for_user(db(), user) if user is not None else None
    return g.ctx


def doom() -> None:
    """A refused change: roll back what it wrote now, so the page re-rendered to show the
    error reads the state before it, and keep nothing at the end even if the answer is a
    redirect (flash and 303) rather than an error status."""
    g.doomed = True
    s = g.get("db_session")
    if s is not None:
        s.rollback()


def finish(response):  # noqa: ANN001, ANN201
    """after_request: the request's one commit. A failure to commit (a constraint, a busy
    pool) answers as the same error raised in a view would."""
    s = g.get("db_session")
    if s is None:
        return response
    pending = bool(s.new or s.dirty or s.deleted)  # added but not yet flushed counts too
    if not (s.in_transaction() or pending):
        return response
    if response.status_code >= 400 or g.get("doomed"):
        s.rollback()
        return response
    if not (has_writes(s) or pending):
        return response  # a read: teardown's close ends it
    try:
        s.commit()
    except Exception as e:  # noqa: BLE001 — mapped like any view error, or re-raised as 500
        s.rollback()
        return current_app.make_response(current_app.handle_user_exception(e))
    return response


def uploaded_file() -> tuple:
    """The multipart "file" as (stream, filename) for FileStore.store_upload; when none was
    sent, an empty name, which the store refuses with its Chinese message."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return io.BytesIO(), ""
    return sent.stream, sent.filename


def send_export(content: bytes, filename: str, content_type: str):  # noqa: ANN201
    """An exported list as a download: one charset in Content-Type (the format's own, or
    utf-8 for a text type that names none) and, since older clients read only `filename`,
    an ASCII fallback beside the RFC 5987 `filename*` that carries the Chinese name."""
    from flask import Response
    if "charset=" in content_type.lower():
        rv = Response(content, content_type=content_type)
    else:
        rv = Response(content, mimetype=content_type)
    fallback = filename if filename.isascii() else "export-" + re.sub(r"[^0-9A-Za-z.-]", "", filename).lstrip("-.")
    rv.headers["Content-Disposition"] = (f'attachment; filename="{fallback}"; '
                                         f"filename*=UTF-8''{quote(filename, safe='')}")
    rv.cache_control.private = True  # tenant data: no shared caches
    return rv


def send_kept_document(stored, download_name: str):  # noqa: ANN001, ANN201
    """A document the platform keeps (备案登记表, 补正告知书) as a PDF download, for pages
    and the API alike."""
    _, path = ctx().house.files.open_blob(ctx(), stored.id)
    # A few hundred kilobytes at most: served from memory, no file handle outlives the request.
    rv = send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True,
                   download_name=download_name)
    rv.headers["X-Content-Type-Options"] = "nosniff"
    rv.cache_control.private = True  # tenant data: no shared caches
    return rv
