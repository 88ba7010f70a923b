"""One place that maps failures to responses: the common JSON shape under /api and /healthz,
an error page elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.errors import Conflict, DomainError

HTTP_MESSAGES = {
    400: "请求无效",
    401: "请先登录",
    403: "无权执行此操作",
    404: "页面或对象不存在",
    405: "不支持的请求方法",
    413: "上传内容过大",
    422: "输入有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def respond(status: int, code: str, message: str, errors: dict | None = None):  # noqa: ANN201
    if wants_json():
        return jsonify(error_body(code, message, errors)), status
    return render_template("error.html", status=status, message=message, errors=errors or {}), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(e: DomainError):  # noqa: ANN202
        return respond(e.status, e.code, e.message, e.errors)

    @app.errorhandler(StaleDataError)
    def stale(_e):  # noqa: ANN001, ANN202
        e = Conflict("该记录已被他人修改，请刷新后重试")
        return respond(e.status, e.code, e.message)

    @app.errorhandler(PoolTimeout)
    def busy(_e):  # noqa: ANN001, ANN202
        # Every connection of the pool stayed busy for ANJIAN_DB_POOL_TIMEOUT: too many requests
        # at once for this process, not a fault of the request; the client may try again.
        response, status = respond(503, "busy", "服务器繁忙，请稍后重试")
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(IntegrityError)
    def integrity(e):  # noqa: ANN001, ANN202
        # The services check what they can before writing; what reaches the database's
        # constraints is a change racing another one (two filings of one USCC at once).
        app.logger.warning("constraint refused a write: %s", e.orig)
        return respond(409, "conflict", "与同时进行的其他修改冲突，未保存；请刷新后重试")

    app.register_error_handler(HTTPException, http_error)


def http_error(e: HTTPException):  # noqa: ANN201
    """Werkzeug's HTTP errors (404 routes, 413 bodies, CSRF aborts) in Chinese."""
    from flask import current_app
    status = e.code or 500
    message = HTTP_MESSAGES.get(status, e.name)
    if status == 413:
        message = f"上传内容过大：单个文件不得超过 {current_app.config['MAX_UPLOAD_MB']} MB"
    elif e.description and any("\u4e00" <= ch <= "\u9fff" for ch in e.description):
        message = e.description  # our own abort(…) texts are already Chinese
    return respond(status, e.name.lower().replace(" ", "_"), message)
