"""Serving stored files, for the pages and the API alike."""
from __future__ import annotations

from pathlib import Path

from flask import send_file

from core.files import service as files
from core.files.models import StoredFile
from core.files.service import FileStore
from core.web import request as req


def store() -> FileStore:
    """The app's file store, as the request's services reach it."""
    return req.ctx().house.files


def send_stored(f: StoredFile, path: Path, *, inline: bool = False):  # noqa: ANN201
    """The bytes of a stored file. Inline only for types browsers display themselves; the
    declared type is the sniffed one and `nosniff` stops browsers from guessing another."""
    inline = inline and f.kind in files.INLINE_KINDS
    rv = send_file(path, mimetype=f.content_type, as_attachment=not inline,
                   download_name=files.download_name(f), etag=f.sha256, conditional=True)
    rv.headers["X-Content-Type-Options"] = "nosniff"
    rv.cache_control.private = True  # tenant data: no shared caches
    return rv
