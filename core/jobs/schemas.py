from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.jobs.models import JOB_STATUSES
from core.schema import DateTime, PageQuery


class JobQuery(PageQuery):
    status = fields.String(load_default=None, metadata={"label": "状态"},
                           validate=validate.OneOf(list(JOB_STATUSES), error="状态不在可选范围内"))


class JobOut(ma.Schema):
    """Timestamps are UTC, like every timestamp the API returns."""

    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    status_label = fields.String()
    progress = fields.Integer()
    message = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    retryable = fields.Boolean()
    attempts = fields.Integer()
    tenant_id = fields.Integer()
    requested_by = fields.Integer(allow_none=True)
    result_file_id = fields.Integer(allow_none=True)
    created_at = DateTime()
    started_at = DateTime(allow_none=True)
    finished_at = DateTime(allow_none=True)
    heartbeat_at = DateTime(allow_none=True)
