"""The JSON API under /api/v1 (flask-smorest on marshmallow).

Every failure answers `{"code": ..., "message": <zh>, "errors": {field: [..]}}`; views call
the same services as the pages, and the request commits once at the end. Each area's API
blueprints come from its manifest (core.manifests).
"""
from __future__ import annotations

import marshmallow as ma
from flask import Flask, jsonify
from flask_smorest import Api as SmorestApi
from werkzeug.exceptions import HTTPException

from core.schema import flatten
from core.web.errors import error_body, http_error


class ErrorOut(ma.Schema):
    """What every failure answers (see core.web.errors.error_body)."""

    code = ma.fields.String(metadata={"description": "not_found、validation_failed、conflict …"})
    message = ma.fields.String(metadata={"description": "中文说明"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "字段（或“第3行”）→ 说明"})


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorOut

    def handle_http_exception(self, error: HTTPException):  # noqa: ANN201
        """flask-smorest installs this for every HTTPException app-wide: request-parsing
        failures from @blp.arguments get the common shape; everything else goes to the
        one handler pages and the API share."""
        data = getattr(error, "data", {}) or {}
        if not data.get("messages"):
            return http_error(error)
        errors = flatten(data["messages"])
        field, msgs = next(iter(errors.items()))
        message = f"{msgs[0]}：{field}" if msgs[0] == "未知字段" else msgs[0]
        return jsonify(error_body("validation_failed", message, errors)), error.code or 422


def init_api(app: Flask) -> Api:
    """The flask-smorest Api; the app factory registers the manifests' blueprints on it."""
    app.config.update({
        "API_TITLE": "安监 Anjian API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_REDOC_PATH": None,
        "OPENAPI_SWAGGER_UI_PATH": None,
        "API_SPEC_OPTIONS": {
            "info": {"description": "安监平台 JSON 接口。认证：`Authorization: Bearer <令牌>`，令牌由 "
                                    "`POST /api/v1/tokens` 或用户页面创建。错误统一为 "
                                    "`{code, message, errors}`。"},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    })
    api = Api(app)
    app.extensions["anjian.api"] = api
    return api
