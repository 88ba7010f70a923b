"""Pages: the file list with its upload form, downloads and inline viewing."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from core.errors import DomainError
from core.files import service as files
from core.files.download import send_stored, store
from core.files.sniff import KINDS, file_error
from core.web import request as req
from core.web.errors import respond
from core.web.paging import page_of, query_of

bp = Blueprint("files", __name__, template_folder="templates")

PER_PAGE = 50


def _index(status: int = 200, error: DomainError | None = None):  # noqa: ANN202
    ctx = req.ctx()
    paging = page_of(request.args, PER_PAGE)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    q = query_of(request.args)
    listing = files.list_files(ctx, kind=kind, q=q, limit=paging.limit, offset=paging.offset)
    return render_template(
        "files/index.html", listing=listing, paging=paging, args=request.args, kind=kind, q=q or "",
        kinds=KINDS, error=error, can_upload=files.upload_refusal(ctx) is None,
        max_label=files.human_size(store().max_bytes),
        show_tenant=bool(ctx.actor.is_bureau),
    ), status


@bp.get("/files")
def index():  # noqa: ANN201
    return _index()


@bp.post("/files")
def upload():  # noqa: ANN201
    ctx = req.ctx()
    try:
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise file_error("请选择要上传的文件")
        f = store().store_upload(ctx, sent.stream, sent.filename)
    except DomainError as e:
        req.doom()
        return _index(e.status, e)
    flash(_("已上传“%(name)s”（%(kind)s，%(size)s）", name=f.original_name, kind=KINDS[f.kind].label,
            size=files.human_size(f.size)))
    return redirect(url_for("files.index"), 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):  # noqa: ANN001, ANN201
    """The whole request exceeded MAX_CONTENT_LENGTH (refused before the body was read)."""
    message = f"文件过大：不得超过 {files.human_size(store().max_bytes)}"
    if req.ctx() is None:
        return respond(413, "too_large", message)
    return _index(413, DomainError(message, {"file": [message]}))


@bp.get("/files/<int:file_id>/download")
def download(file_id: int):  # noqa: ANN201
    f, path = store().open_blob(req.ctx(), file_id)
    return send_stored(f, path, inline=request.args.get("inline") == "1")
