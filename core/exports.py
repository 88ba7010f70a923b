"""Exporting lists: the built-in xlsx format and formats contributed by plugins.

Every format receives (title, headers, rows) and returns bytes. Text that a spreadsheet
would run as a formula (starting with = + - @, or a tab/CR before one) is escaped with a
leading apostrophe in every format, built-in or not.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import xlsxwriter
from flask_babel import lazy_gettext

from core.context import ServiceContext
from core.errors import NotFound
from core.hookspecs import ExportFormat
from core.plugins.service import enabled_plugins

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


def escape_formula(value):  # noqa: ANN001, ANN201
    """'=1+2' → "'=1+2"; numbers and dates are left alone (they are not text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def display_width(text: str) -> int:
    """Columns a string occupies: CJK characters are double width."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    return render_workbook([(title, headers, rows)])


def render_workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """One workbook of several lists, one sheet each (title, headers, rows): frozen header
    row, CJK-aware widths, autofilter, dates as dates, formulas escaped."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1, "text_wrap": True, "valign": "top"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    moment = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for n, (title, headers, rows) in enumerate(sheets, 1):
        _sheet(wb.add_worksheet(title[:31] or f"Sheet{n}"), headers, rows, head, day, moment)
    wb.close()
    return buf.getvalue()


def _sheet(ws, headers: list[str], rows: list[list], head, day, moment) -> None:  # noqa: ANN001
    widths = [display_width(h) for h in headers]
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, head)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, moment)
                width = 16
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
                width = 10
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value)
                width = len(str(value))
            else:
                text = escape_formula(str(value))
                ws.write_string(r, c, text)
                width = display_width(text)
            widths[c] = max(widths[c], width)
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(w + 2, MAX_WIDTH))
    ws.freeze_panes(1, 0)
    if headers:
        ws.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)


XLSX = ExportFormat(id="xlsx", title=lazy_gettext("Excel（xlsx）"), extension="xlsx",
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    render=render_xlsx)


def formats_for(ctx: ServiceContext) -> list[ExportFormat]:  # noqa: ANN001
    """xlsx, then the formats of plugins enabled for the caller's tenant in pluggy's call
    order, titles in the request's language (ids are unique: the registry fails a plugin
    that repeats one)."""
    registry = ctx.house.plugins
    out = [XLSX]
    enabled = enabled_plugins(ctx.session, ctx.actor.tenant_id, registry)
    for name in registry.call_order("anjian_export_formats", enabled):
        record = registry.get(name)
        out += [replace(f, title=record.gettext(f.title)) for f in record.export_formats]
    return out


def export(ctx: ServiceContext, format_id: str, title: str, headers: list[str],  # noqa: ANN001
           rows: list[list]) -> tuple[bytes, str, str]:
    """(content, file name, content type) of a list in the chosen format."""
    fmt = next((f for f in formats_for(ctx) if f.id == format_id), None)
    if fmt is None:
        raise NotFound(f"导出格式“{format_id}”不存在或未对本单位启用")
    safe_rows = [[escape_formula(v) for v in row] for row in rows]
    content = fmt.render(title, headers, safe_rows)
    stamp = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y%m%d")  # Beijing date
    return content, f"{title}-{stamp}.{fmt.extension}", fmt.content_type
