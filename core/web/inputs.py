"""What every request may carry, checked once before any view runs: ids in paths within what
the database stores, text free of characters that crash a database or spoof a reader, and
a JSON body that parses. A bad value answers 4xx with the common error shape (404 for a path
id nothing can have, 400 for a body that is not JSON, 422 naming the field), never a 500."""
from __future__ import annotations

import json

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from core.errors import BadRequest, ValidationFailed
from core.text import text_problem

# Every id column is a 32-bit integer on PostgreSQL; a larger id matches nothing.
ID_MAX = 2**31 - 1


def _up_to(limit: int) -> str:
    """A regex of the decimal numbers 0…limit (leading zeros allowed)."""
    digits = str(limit)
    parts = [f"0*[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        rest = len(digits) - i - 1
        if i == len(digits) - 1:
            parts.append(f"0*{digits[:i]}[0-{d}]")
        elif d != "0":
            parts.append(f"0*{digits[:i]}[0-{int(d) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: at most ID_MAX, so `/filings/2147483648` is simply not found.
    The bound is in the regex too: a value that matched the pattern but failed conversion
    would make Werkzeug answer 405 for a path that exists under other methods."""

    regex = _up_to(ID_MAX)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX,  # noqa: A002, ANN001
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _json_body():  # noqa: ANN202
    """The request's JSON, parsed once; BadRequest (400, Chinese) when it does not parse."""
    if not request.mimetype or not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        return None
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"请求体不是有效的 JSON：{_where(e)}") from None


def _where(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"第 {e.lineno} 行第 {e.colno} 列附近有误"
    return "无法按 UTF-8 读取"


def _walk(value, path: str, problems: dict[str, list[str]]) -> None:  # noqa: ANN001
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            problems.setdefault(path or "body", []).append(f"“{path}”{problem}" if path else f"请求体{problem}")
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if text_problem(key):
                problems.setdefault(path or "body", []).append("字段名含有不允许的字符")
                continue
            _walk(v, f"{path}.{key}" if path else key, problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}.{i + 1}" if path else str(i + 1), problems)


def check_request() -> None:
    """Reject text no field may hold, wherever it comes: query, form fields, JSON body.
    Field-specific rules (a name on one line, zero-width characters removed) are the
    schemas' (core.schema)."""
    problems: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            _walk({key: value}, "", problems)
    body = _json_body()
    if body is not None:
        _walk(body, "", problems)
    for storage in request.files.values():
        if storage.filename and text_problem(storage.filename):
            problems.setdefault("file", []).append(f"文件名：{text_problem(storage.filename)}")
    if problems:
        raise ValidationFailed(problems)


def register(app: Flask) -> None:
    """Before the blueprints: the converter must be in place when their routes are added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
