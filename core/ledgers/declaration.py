"""A ledger type compiled from its declaration (the ledger template kind): the columns and
their converters, the key, and the rules across columns — everything the xlsx template,
the import and the export read, so one declaration drives them all.

The import never builds ORM objects or marshmallow loads per row: each column compiles to
one small function from a raw cell (what python-calamine gives: str, int, float, bool,
date, datetime, or None) to its value or a Chinese message saying what to write.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.exports import FORMULA_START
from core.text import text_problem

# What a cell may hold once read: its value, or why not (a message naming what to write).
Convert = Callable[[Any], "tuple[Any, str | None]"]

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
EXCEL_EPOCH = date(1899, 12, 30)
DATE_RANGE = (date(1950, 1, 1), date(2100, 12, 31))
DEFAULT_TEXT_MAX = 500
PERSON_MAX = 50


def tidy(value: Any) -> str:
    """A cell as text people meant: numbers without a trailing .0, surrounding spaces (also
    full-width and non-breaking ones) trimmed, and the apostrophe an export puts before
    text that would read as a formula ('=…) taken off again, so an export re-imports as it was."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip(" \t\r\n\u3000\u00a0")
    if text.startswith("'") and text[1:2] in FORMULA_START:
        text = text[1:]
    return text


_BLANK = " \t\r\n\u3000\u00a0"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(_BLANK))


def _text(limit: int) -> Convert:
    def convert(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, (date, datetime)):
            value = value.isoformat()[:10]
        text = tidy(value)
        problem = text_problem(text)
        if problem:
            return None, problem
        if len(text) > limit:
            return None, f"不能超过{limit}个字（现有{len(text)}个字）"
        return text, None
    return convert


def _number(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, "应为数字，如 12.5"
    if isinstance(value, (int, float)):
        return float(value), None
    text = _SPACES.sub("", tidy(value)).translate(_FULL_WIDTH).replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None, f"应为数字，如 12.5（现为“{tidy(value)[:20]}”）"
    if number != number or number in (float("inf"), float("-inf")):
        return None, "应为数字，如 12.5"
    return number, None


def parse_date(value: Any) -> date | None:
    """A date as people type or Excel stores it; None when it is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell without a date format: Excel's serial day number.
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = _SPACES.sub("", tidy(value)).translate(_FULL_WIDTH)
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _date(value: Any) -> tuple[Any, str | None]:
    day = parse_date(value)
    if day is None:
        return None, f"应为日期，如 2024-09-20、2024/9/20 或 2024年9月20日（现为“{tidy(value)[:20]}”）"
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        return None, f"日期 {day.isoformat()} 不在 {DATE_RANGE[0].year}—{DATE_RANGE[1].year} 年之间"
    return day, None


def _enum(choices: tuple[str, ...]) -> Convert:
    # Stray spaces inside or around a value ("重 大", " 一般") still name the choice.
    normal = {_SPACES.sub("", c): c for c in choices}
    listed = "、".join(choices)

    def convert(value: Any) -> tuple[Any, str | None]:
        text = _SPACES.sub("", tidy(value))
        if text in normal:
            return normal[text], None
        return None, f"只能填写：{listed}（现为“{tidy(value)[:20]}”）"
    return convert


@dataclass(frozen=True)
class Column:
    id: str
    header: str
    type: str
    required: bool
    key: bool
    choices: tuple[str, ...]
    max_length: int | None
    help: str
    convert: Convert = field(repr=False, compare=False)

    def read(self, value: Any) -> tuple[Any, str | None]:
        """(value, None) or (None, message); an empty cell is None, or a message when required."""
        if _empty(value):
            return None, (f"{self.header}不能为空" if self.required else None)
        return self.convert(value)

    @property
    def describe(self) -> str:
        """The column's rule for the instructions sheet."""
        what = {"text": f"文字，不超过{self.max_length or DEFAULT_TEXT_MAX}个字", "number": "数字",
                "date": "日期，如 2024-09-20", "person": f"姓名，不超过{PERSON_MAX}个字",
                "enum": "从下拉列表中选择：" + "、".join(self.choices)}[self.type]
        return "；".join(p for p in (("必填" if self.required else "选填"), what,
                                      "每家企业内不得重复，再次上传时据此更新" if self.key else "", self.help) if p)


@dataclass(frozen=True)
class RowError:
    row: int        # as Excel numbers it
    column: str     # the column's header ("" for the row as a whole)
    message: str


@dataclass(frozen=True)
class Rule:
    kind: str
    column: str
    other: str
    equals: str | None
    message: str


@dataclass(frozen=True)
class LedgerType:
    """A ledger type ready to use: `id`/`version` of its declaration, `columns` in order."""

    id: str
    version: str
    title: str
    basis: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    plugin: str = ""

    @property
    def key(self) -> Column:
        return next(c for c in self.columns if c.key)

    def column(self, column_id: str) -> Column:
        return next(c for c in self.columns if c.id == column_id)

    def validate(self, rows: Iterable[tuple[int, Any]], positions: dict[str, int] | None = None,
                 ) -> tuple[list[dict[str, Any]], list[RowError]]:
        """Every row's cells converted and checked: (records, errors). A row's cells are a
        dict by column id, or — with `positions` (column id → index, as an upload found
        them) — the sheet's list of cells. A record is {column id: value} with "_row" its
        Excel row; a key repeated in the file is an error on the later row. Every problem is
        reported, none stops the others. The loop is the import's hot path: 100,000 rows
        × 19 columns, so it stays plain."""
        records, errors = [], []
        key = self.key.id
        seen: dict[Any, int] = {}
        if positions is None:
            plan = [(c.id, c.header, c.required, c.convert, None) for c in self.columns]
        else:
            plan = [(c.id, c.header, c.required, c.convert, positions.get(c.id)) for c in self.columns]
        rules, headers = self.rules, {c.id: c.header for c in self.columns}
        for number, cells in rows:
            values: dict[str, Any] = {"_row": number}
            bad = False
            width = len(cells) if positions is not None else 0
            for cid, header, required, convert, at in plan:
                if positions is None:
                    raw = cells.get(cid)
                else:
                    raw = cells[at] if at is not None and at < width else None
                if raw is None or raw == "" or (raw.__class__ is str and not raw.strip(_BLANK)):
                    values[cid] = None
                    if required:
                        errors.append(RowError(number, header, f"{header}不能为空"))
                        bad = True
                    continue
                value, problem = convert(raw)
                if problem:
                    errors.append(RowError(number, header, problem))
                    bad = True
                values[cid] = value
            if rules:
                for column_id, message in self.check(values):
                    errors.append(RowError(number, headers[column_id], message))
                    bad = True
            k = values[key]
            if k is not None:
                if k in seen:
                    errors.append(RowError(number, headers[key], f"{headers[key]}“{k}”与第{seen[k]}行重复"))
                    bad = True
                else:
                    seen[k] = number
            if not bad:
                records.append(values)
        return records, errors

    def check(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """The rules across columns of one row of converted values: [(column id, message)]."""
        out = []
        for r in self.rules:
            a, b = values.get(r.column), values.get(r.other)
            if r.kind == "differ":
                broken = a is not None and b is not None and a == b
            elif r.kind == "not_before":
                broken = a is not None and b is not None and a < b
            else:  # required_when
                broken = a is None and (b is not None if r.equals is None else b == r.equals)
            if broken:
                out.append((r.column, r.message))
        return out


def _converter(c: dict) -> Convert:
    kind = c["type"]
    if kind == "number":
        return _number
    if kind == "date":
        return _date
    if kind == "enum":
        return _enum(tuple(c["choices"]))
    return _text(c.get("max_length") or (PERSON_MAX if kind == "person" else DEFAULT_TEXT_MAX))


def _message(rule: dict, by_id: dict[str, dict]) -> str:
    a, b = by_id[rule["column"]]["header"], by_id[rule["other"]]["header"]
    if rule["kind"] == "differ":
        return f"{a}不能与{b}为同一人"
    if rule["kind"] == "not_before":
        return f"{a}不能早于{b}"
    if rule["equals"] is None:
        return f"填写了{b}时，{a}不能为空"
    return f"{b}为“{rule['equals']}”时，{a}不能为空"


def compile_ledger(body: dict, plugin: str = "") -> LedgerType:
    """A validated ledger template body (core.ledgers.templates.LEDGER) → its LedgerType."""
    by_id = {c["id"]: c for c in body["columns"]}
    columns = tuple(Column(c["id"], c["header"], c["type"], c["required"], c["key"], tuple(c.get("choices") or ()),
                           c.get("max_length"), c.get("help", ""), _converter(c)) for c in body["columns"])
    rules = tuple(Rule(r["kind"], r["column"], r["other"], r.get("equals"), _message(r, by_id))
                  for r in body.get("rules", ()))
    return LedgerType(body["id"], body["version"], body["title"], body.get("basis", ""), columns, rules, plugin)
