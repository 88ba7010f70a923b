"""What every API view shares: the caller's ServiceContext (or 401), the JSON body, the
multipart parser, and the OpenAPI descriptions of downloads."""
from __future__ import annotations

from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from core.context import ServiceContext
from core.errors import Unauthorized
from core.web import request as req


def api_ctx() -> ServiceContext:
    ctx = req.ctx()
    if ctx is None:
        raise Unauthorized("未认证：请在 Authorization 头中提供有效的 Bearer 令牌")
    return ctx


def json_body() -> dict:
    """The raw JSON object; services validate it with the same schema the pages use."""
    from flask import request
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


class MultipartParser(FlaskParser):
    """`files` reads the whole multipart body (files and plain fields), so one schema both
    documents and loads an upload with its form fields (`blp.ARGUMENTS_PARSER = …`)."""

    def load_files(self, flask_request, schema):  # noqa: ANN001, ANN201
        return MultiDictProxy(CombinedMultiDict([flask_request.files, flask_request.form]), schema)


def xlsx_download(description: str) -> dict:
    """OpenAPI responses of a route answering an xlsx file."""
    return {"responses": {"200": {"description": description, "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}}}}}}


NO_FONT_503 = "服务器未安装中文字体，无法生成PDF"


def pdf_download(description: str, **errors: str) -> dict:
    """OpenAPI responses of a route answering a PDF document; `errors`: status → meaning
    (a missing CJK font, 503, always applies)."""
    return {"responses": {
        "200": {"description": description, "content": {"application/pdf": {"schema": {"type": "string",
                                                                                        "format": "binary"}}}},
        **{code.lstrip("_"): {"description": text} for code, text in errors.items()},
        "503": {"description": NO_FONT_503}}}


def body(schema) -> dict:  # noqa: ANN001
    """OpenAPI description of a JSON request body that the service itself validates, so an
    id route answers 404 for an invisible object before it complains about the body."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
