"""The JSON API under /api/v1 (flask-smorest on marshmallow).

Every failure answers `{"code": ..., "message": <zh>, "errors": {field: [..]}}`; views call
the same services as the pages and commit once at the end.
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


def init_api(app: Flask) -> None:
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
    from core.api import me
    from core.audit.api import blp as audit_blp
    from core.auth.api import blp as auth_blp, tokens_blp
    from core.files.api import blp as files_blp
    from core.checklists.api import blp as checklists_blp
    from core.filings.api import blp as filings_blp
    from core.filings.drill_api import blp as drills_blp
    from core.filings.overview_api import blp as filing_overview_blp
    from core.jobs.api import blp as jobs_blp
    from core.notifications.api import blp as notifications_blp
    from core.plugins.api import blp as plugins_blp
    from tenants.api import blp as tenants_blp

    for blp in (tokens_blp, me.blp, tenants_blp, auth_blp, jobs_blp, files_blp, audit_blp, plugins_blp,
                checklists_blp, filings_blp, drills_blp, filing_overview_blp, notifications_blp):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
    app.extensions["anjian.api"] = api

    from core.api import docs
    app.register_blueprint(docs.bp)
