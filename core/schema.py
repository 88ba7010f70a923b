"""Marshmallow base schema with Chinese messages that name the field.

Fields carry their Chinese label in metadata (`metadata={"label": "企业名称"}`); default
errors become e.g. "企业名称为必填项". `load_or_fail` turns errors into ValidationFailed.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from typing import Any

import marshmallow as ma

from core.errors import ValidationFailed
from core.text import clean_name, name_problem

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def number_of(value: Any) -> float | None:
    """A number as a form or JSON sends it (a number, or text of one); None for anything
    else — a bool, NaN or infinity, text that is no number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        n = float(value)
    elif isinstance(value, str):
        try:
            n = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return n if math.isfinite(n) else None


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


INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Past this an offset can only give an empty page; larger ones are taken as this.
MAX_OFFSET = 10**9


class Offset(ma.fields.Integer):
    """A list's offset: not negative; one past the end (however far) is an empty page."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("load_default", 0)
        kwargs.setdefault("metadata", {"label": "偏移"})
        super().__init__(validate=ma.validate.Range(min=0, error="偏移不能为负数"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return min(super()._deserialize(value, attr, data, **kwargs), MAX_OFFSET)


# Every list the API answers pages the same way: `?limit=&offset=` in, {items, total, limit,
# offset} out. A page is capped so no request serialises a whole city (2,000 tenants).
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class Limit(ma.fields.Integer):
    """A list's page size: 1 to MAX_LIMIT, DEFAULT_LIMIT when left out."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("load_default", DEFAULT_LIMIT)
        kwargs.setdefault("metadata", {"label": "条数",
                                       "description": f"每页条数，1至{MAX_LIMIT}，默认{DEFAULT_LIMIT}"})
        super().__init__(validate=ma.validate.Range(min=1, max=MAX_LIMIT, error=f"条数应为1至{MAX_LIMIT}"),
                         **kwargs)


class Name(ma.fields.String):
    """A one-line name or title: zero-width characters removed, no line breaks."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = name_problem(text)
        if problem:
            raise ma.ValidationError(f"{self.metadata.get('label', attr or '名称')}{problem}")
        return clean_name(text)


class DateTime(ma.fields.DateTime):
    """Timestamps are stored as naive UTC; every one leaves the API saying so (…+00:00)."""

    def _serialize(self, value, attr, obj, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


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
        # Every integer a client sends fits the database's integer columns: a larger one is
        # refused naming the field, never passed on to fail in a query (Offset clamps instead).
        if type(field_obj) is ma.fields.Integer:
            field_obj.validators = [*field_obj.validators,
                                    ma.validate.Range(INT_MIN, INT_MAX, error=f"{label}超出范围")]


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


class PageQuery(Schema):
    """The paging arguments of every list; a list's own filters extend it."""

    limit = Limit()
    offset = Offset()


class PageOut(ma.Schema):
    total = ma.fields.Integer(metadata={"description": "符合条件的总条数（与 limit、offset 无关）"})
    limit = ma.fields.Integer(metadata={"description": "本页最多条数（请求的 limit）"})
    offset = ma.fields.Integer(metadata={"description": "本页第一条在全部结果中的位置（从0起）"})


def page_of(item: type[ma.Schema]) -> type[PageOut]:
    """The envelope of a list of `item`: FilingOut → FilingPage {items, total, limit, offset}."""
    name = item.__name__.removesuffix("Out").removesuffix("Schema") + "Page"
    return type(name, (PageOut,), {"items": ma.fields.List(ma.fields.Nested(item))})


def page(items: Any, total: int, args: dict) -> dict:
    """One page as every list answers it; `args` are the loaded PageQuery arguments."""
    return {"items": items, "total": total, "limit": args["limit"], "offset": args["offset"]}


def page_list(rows: list, args: dict) -> dict:
    """A page of a list already in memory (a registry's plugins, a filing's evaluations)."""
    offset, limit = args["offset"], args["limit"]
    return page(rows[offset:offset + limit], len(rows), args)
