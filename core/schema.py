"""Marshmallow base schema with Chinese messages that name the field.

Fields carry their Chinese label in metadata (`metadata={"label": "企业名称"}`); default
errors become e.g. "企业名称为必填项". `load_or_fail` turns errors into ValidationFailed.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import marshmallow as ma

from core.errors import ValidationFailed

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_problem(value: Any, label: str) -> tuple[date | None, str | None]:
    """A date as people type it in forms and JSON: strictly YYYY-MM-DD. Tells apart a blank
    (required), a malformed value and a well-formed day that does not exist (2024-02-30)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value, None
    text = value.strip() if isinstance(value, str) else value
    if text in (None, ""):
        return None, f"{label}为必填项"
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        return None, f"{label}格式应为 YYYY-MM-DD（如 2026-03-02）"
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"{text} 不是有效日期"


class Date(ma.fields.Date):
    """A date field with the messages of date_problem (the field's label names it)."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        day, problem = date_problem(value, self.metadata.get("label", attr or "日期"))
        if problem:
            raise ma.ValidationError(problem)
        return day

_ZH = {
    "required": "{label}为必填项",
    "null": "{label}不能为空",
    "invalid": "{label}格式不正确",
    "validator_failed": "{label}取值无效",
    "too_large": "{label}过大",
    "too_small": "{label}过小",
    "invalid_utf8": "{label}不是有效的文本",
    "format": "{label}格式不正确",
}


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "未知字段", "type": "请求体应为 JSON 对象"}

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        label = field_obj.metadata.get("label", field_name)
        field_obj.error_messages = {
            **field_obj.error_messages,
            **{k: v.format(label=label) for k, v in _ZH.items() if k in field_obj.error_messages},
        }


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"json": {"name": [..]}} or nested list errors → {"name": [..]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, list):
        out[prefix or "_"] = [str(m) for m in messages]
        return out
    for key, value in messages.items():
        if key in ("json", "form", "query", "files") and not prefix:
            out.update(flatten(value))
            continue
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(flatten(value, name))
        else:
            out[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out


def load_or_fail(schema: ma.Schema, data: Any) -> Any:
    """Load `data` or raise ValidationFailed. A blank text value counts as left out, so a
    required field says it is required rather than that "" is malformed."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
    try:
        return schema.load(data)
    except ma.ValidationError as e:
        raise ValidationFailed(flatten(e.messages)) from None
