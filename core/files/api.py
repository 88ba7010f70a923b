"""JSON API for files: list, upload (multipart), metadata and content."""
from __future__ import annotations

from flask_smorest import Blueprint

from core.api.auth import MultipartParser, api_ctx
from core.files import service as files
from core.files.download import send_stored, store
from core.files.schemas import ContentQuery, FileListOut, FileOut, FileQuery, UploadIn
from core.schema import page

blp = Blueprint("api_files", __name__, url_prefix="/files",
                description="文件：预案文本、台账与现场照片（PDF、DOCX、XLSX、JPG、PNG）")


blp.ARGUMENTS_PARSER = MultipartParser()


@blp.route("", methods=["GET"])
@blp.arguments(FileQuery, location="query")
@blp.response(200, FileListOut)
def list_files(args: dict):  # noqa: ANN201
    """可见文件列表（新上传的在前）。查询参数 kind、tenant_id、q、limit、offset。"""
    found = files.list_files(api_ctx(), **args)
    return page(found.items, found.total, args)


@blp.route("", methods=["POST"])
@blp.arguments(UploadIn, location="files")
@blp.response(201, FileOut)
def upload(args: dict):  # noqa: ANN201
    """上传文件（multipart/form-data，字段 file）

    文件类型按内容识别；扩展名与内容不符、旧版 .doc/.xls、异常压缩包均返回 422，超过大小上限返回 413。
    """
    ctx = api_ctx()
    sent = args["file"]
    f = store().store_upload(ctx, sent.stream, sent.filename or "", tenant_id=args["tenant_id"])
    info = files.file_info(ctx, f)
    return info


@blp.route("/<int:file_id>", methods=["GET"])
@blp.response(200, FileOut)
def get_file(file_id: int):  # noqa: ANN201
    """文件信息"""
    ctx = api_ctx()
    return files.file_info(ctx, files.get_file(ctx, file_id))


@blp.route("/<int:file_id>/content", methods=["GET"])
@blp.arguments(ContentQuery, location="query")
@blp.doc(responses={"200": {"description": "文件内容（Content-Type 为识别出的类型）",
                            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}})
def content(args: dict, file_id: int):  # noqa: ANN201
    """下载文件内容"""
    f, path = store().open_blob(api_ctx(), file_id)
    return send_stored(f, path, inline=args["inline"])
