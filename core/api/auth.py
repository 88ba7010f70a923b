"""Authentication for API views: the caller's ServiceContext or 401."""
from __future__ import annotations

from core.context import ServiceContext
from core.errors import Unauthorized
from core.web import request as req


def api_ctx() -> ServiceContext:
    ctx = req.ctx()
    if ctx is None:
        raise Unauthorized("未认证：请在 Authorization 头中提供有效的 Bearer 令牌")
    return ctx
