"""Ledger spreadsheets: the template generated from a ledger type, an upload read safely
into rows, and the annotated copy of a refused upload.

Reading is bounded before anything large is held: the file's size, what its zip entries
really inflate to (counted while inflating, so a lying header or a decompression bomb is
stopped at the limit), the sheet's rows and columns. Every refusal is a FileRefused with a
Chinese message; a row's problems are RowErrors, reported all at once.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from python_calamine import CalamineError, CalamineWorkbook

from core.exports import display_width, escape_formula
from core.ledgers.declaration import DATE_RANGE, LedgerType, RowError

DATA_SHEET = "台账"
GUIDE_SHEET = "填写说明"
META_SHEET = "_anjian"          # hidden: which ledger type and version the template is
ERROR_HEADER = "错误说明"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 50 * 1024 * 1024      # the upload itself
MAX_INFLATED = 400 * 1024 * 1024  # all of its zip entries, inflated
MAX_ROWS = 200_000
MAX_COLUMNS = 200
HEADER_SCAN = 10                # rows searched for the header (a title row may sit above it)
_HEADER_NOISE = re.compile(r"[\s\u3000\u00a0*＊]+")
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: an encrypted .xlsx or an old .xls


class FileRefused(Exception):
    """The file as a whole cannot be read as this ledger: nothing of it is stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Upload:
    """What an uploaded sheet holds: its header row and data rows as Excel numbers them,
    each row's raw cells by column id (columns matched by header text, in any order)."""

    sheet: str
    header_row: int
    headers: list[str]                      # the header row as written, for the annotated copy
    positions: dict[str, int]               # column id → its 0-based position in the sheet
    rows: list[tuple[int, list[Any]]]       # (Excel row number, the row's cells as read)

    def cells(self, cells: list[Any]) -> dict[str, Any]:
        return {cid: (cells[i] if i < len(cells) else None) for cid, i in self.positions.items()}


def normal_header(text: Any) -> str:
    """A header as compared: spaces and required-marks dropped, full-width brackets plain."""
    return _HEADER_NOISE.sub("", str(text or "")).replace("（", "(").replace("）", ")").lower()


# --------------------------------------------------------------------------- template

def template(lt: LedgerType, rows: int = MAX_ROWS) -> bytes:
    """The xlsx a user fills: the data sheet (frozen Chinese header row, widths fitting CJK
    text, dropdowns for choices, date and number validation), the instructions sheet, and
    the hidden sheet naming the ledger type and version."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(DATA_SHEET)
    guide = wb.add_worksheet(GUIDE_SHEET)
    meta = wb.add_worksheet(META_SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    required = wb.add_format({"bold": True, "bg_color": "#FDECEC", "border": 1, "text_wrap": True, "valign": "vcenter"})
    formats = {"date": wb.add_format({"num_format": "yyyy-mm-dd"}), "number": wb.add_format({"num_format": "0.00"}),
               "text": wb.add_format({"num_format": "@", "text_wrap": True}), "person": wb.add_format({"num_format": "@"}),
               "enum": None}
    meta.write_row(0, 0, ["ledger_type", lt.id])
    meta.write_row(1, 0, ["version", lt.version])
    last = rows  # 0-based last data row
    for c, col in enumerate(lt.columns):
        ws.write_string(0, c, col.header, required if col.required else head)
        ws.set_column(c, c, _width(col), formats[col.type])
        ws.write_comment(0, c, col.describe, {"x_scale": 2, "y_scale": 1.5})
        if col.type == "enum":
            # The choices sit in the hidden sheet: a list typed into the rule is capped at 255 characters.
            meta.write_column(0, 3 + c, list(col.choices))
            source = f"='{META_SHEET}'!${_letter(3 + c)}$1:${_letter(3 + c)}${len(col.choices)}"
            ws.data_validation(1, c, last, c, {"validate": "list", "source": source, "error_title": col.header,
                                               "error_message": "只能从下拉列表中选择：" + "、".join(col.choices)[:200]})
        elif col.type == "date":
            ws.data_validation(1, c, last, c, {"validate": "date", "criteria": "between",
                                               "minimum": datetime.combine(DATE_RANGE[0], datetime.min.time()),
                                               "maximum": datetime.combine(DATE_RANGE[1], datetime.min.time()),
                                               "error_title": col.header, "error_message": "应为日期，如 2024-09-20"})
        elif col.type == "number":
            ws.data_validation(1, c, last, c, {"validate": "decimal", "criteria": "between",
                                               "minimum": -1e12, "maximum": 1e12,
                                               "error_title": col.header, "error_message": "应为数字，如 12.5"})
    ws.freeze_panes(1, 0)
    ws.set_row(0, 32)
    ws.autofilter(0, 0, 0, len(lt.columns) - 1)
    _guide(wb, guide, lt)
    meta.hide()
    ws.activate()
    wb.close()
    return buf.getvalue()


def _width(col) -> int:  # noqa: ANN001
    base = {"date": 12, "number": 12, "person": 10, "enum": max([display_width(c) for c in col.choices] + [6]) + 4,
            "text": 40 if (col.max_length or 500) > 100 else 20}[col.type]
    return min(max(base, display_width(col.header) + 4), 60)


def _letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _guide(wb, ws, lt: LedgerType) -> None:  # noqa: ANN001
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    ws.write_string(0, 0, f"{lt.title}（第 {lt.version} 版）填写说明", title)
    if lt.basis:
        ws.write_string(1, 0, f"依据：{lt.basis}")
    notes = ["在“台账”工作表中每行填写一条记录；表头文字不要修改，列的顺序可以调整，表头上方可以加标题行。",
             "日期可写作 2024-09-20、2024/9/20 或 2024年9月20日；红色表头的列必须填写。",
             f"再次上传时按“{lt.key.header}”更新已有记录，不会重复登记；整个文件全部通过校验才会保存，"
             "否则一条也不保存，并列出每一处错误（行号、列、原因），可下载标出错误的文件修改后重新上传。"]
    row = 3
    for note in notes:
        ws.write_string(row, 0, note)
        row += 1
    row += 1
    ws.write_row(row, 0, ["列", "填写要求"], head)
    for col in lt.columns:
        row += 1
        ws.write_string(row, 0, col.header, wrap)
        ws.write_string(row, 1, col.describe, wrap)
    if lt.rules:
        row += 2
        ws.write_string(row, 0, "校验规则", head)
        for rule in lt.rules:
            row += 1
            ws.write_string(row, 0, rule.message)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 90)


# --------------------------------------------------------------------------- reading

def _check_container(data: bytes, max_bytes: int, max_inflated: int) -> None:
    if not data:
        raise FileRefused("文件是空的")
    if len(data) > max_bytes:
        raise FileRefused(f"文件过大：不得超过 {max_bytes // (1024 * 1024)} MB")
    if data.startswith(_CFB):
        raise FileRefused("文件已加密或为旧版 .xls 格式：请在 Excel 中取消密码，另存为 .xlsx 后再上传")
    if not data.startswith(b"PK"):
        raise FileRefused("不是 Excel（.xlsx）文件：请使用下载的模板填写后上传")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = 0
            for info in z.infolist():
                if info.flag_bits & 0x1:
                    raise FileRefused("文件已加密：请取消密码后再上传")
                with z.open(info) as entry:  # counted while inflating: declared sizes may lie
                    while chunk := entry.read(1024 * 1024):
                        total += len(chunk)
                        if total > max_inflated:
                            raise FileRefused("文件解压后过大（可能是压缩炸弹或行数过多），未读取")
            if "xl/workbook.xml" not in z.namelist():
                raise FileRefused("不是 Excel（.xlsx）文件：请使用下载的模板填写后上传")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, OSError) as e:
        raise FileRefused("文件已损坏，无法读取（不是完整的 .xlsx 文件）") from e


def read_upload(data: bytes, lt: LedgerType, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES,
                max_inflated: int = MAX_INFLATED) -> Upload:
    """The rows of the upload's ledger sheet, or FileRefused saying why it cannot be read."""
    _check_container(data, max_bytes, max_inflated)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as e:
        raise FileRefused("文件已损坏或已加密，无法读取") from e
    except Exception as e:  # noqa: BLE001 - calamine's other failures are the file's too
        raise FileRefused("文件无法读取：请使用下载的模板填写后上传") from e
    names = wb.sheet_names
    if META_SHEET in names:
        meta = wb.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
        declared = meta[0][1] if meta and len(meta[0]) > 1 else None
        if declared and declared != lt.id:
            raise FileRefused(f"这不是“{lt.title}”的模板（文件是台账类型“{declared}”的）：请下载“{lt.title}”的模板填写")
    candidates = [n for n in names if n not in (META_SHEET, GUIDE_SHEET)]
    if not candidates:
        raise FileRefused("文件中没有可读取的工作表")
    # The data sheet by name, else the first one that is not the template's own.
    sheet_name = DATA_SHEET if DATA_SHEET in candidates else candidates[0]
    sheet = wb.get_sheet_by_name(sheet_name)
    if sheet.total_height > max_rows + HEADER_SCAN + 1:
        raise FileRefused(f"行数过多：一次最多导入 {max_rows:,} 行（文件约有 {sheet.total_height:,} 行），请分批上传")
    if sheet.total_width > MAX_COLUMNS:
        raise FileRefused(f"列数过多：台账最多 {MAX_COLUMNS} 列")
    grid = sheet.to_python(skip_empty_area=False)
    header_at, positions, headers = _find_header(grid, lt)
    missing = [c.header for c in lt.columns if c.required and c.id not in positions]
    if missing:
        raise FileRefused(f"缺少必填列：{'、'.join(missing)}（表头文字可能被修改，请与模板保持一致）")
    rows = [(i + 1, row) for i, row in enumerate(grid[header_at + 1:], start=header_at + 1)
            if any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in row)]
    if not rows:
        raise FileRefused("文件中没有数据行：请在表头下方填写后再上传")
    if len(rows) > max_rows:
        raise FileRefused(f"行数过多：一次最多导入 {max_rows:,} 行（文件有 {len(rows):,} 行），请分批上传")
    return Upload(sheet_name, header_at + 1, headers, positions, rows)


def _find_header(grid: list[list[Any]], lt: LedgerType) -> tuple[int, dict[str, int], list[str]]:
    """The row (0-based) among the first few whose cells name the most columns; its
    column positions by id. A repeated header is refused: which column is meant?"""
    wanted = {normal_header(c.header): c.id for c in lt.columns}
    best, best_at = {}, -1
    for r, row in enumerate(grid[:HEADER_SCAN]):
        found: dict[str, int] = {}
        for i, cell in enumerate(row):
            cid = wanted.get(normal_header(cell))
            if cid is None:
                continue
            if cid in found:
                raise FileRefused(f"表头“{lt.column(cid).header}”出现了两次（第{_letter(found[cid])}列和第{_letter(i)}列）")
            found[cid] = i
        if len(found) > len(best):
            best, best_at = found, r
    if not best:
        raise FileRefused(f"没有找到“{lt.title}”的表头：请使用下载的模板填写，不要修改表头文字")
    return best_at, best, [("" if v is None else str(v)) for v in grid[best_at]]


# --------------------------------------------------------------------------- the annotated copy

def _ledger_book(lt: LedgerType):  # noqa: ANN202
    """A workbook written row by row in constant memory: the data sheet, and the hidden sheet
    naming the ledger type, so what it holds uploads again as that type."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(DATA_SHEET)
    meta = wb.add_worksheet(META_SHEET)
    meta.write_row(0, 0, ["ledger_type", lt.id])
    meta.write_row(1, 0, ["version", lt.version])
    meta.hide()
    head = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1, "text_wrap": True})
    return buf, wb, ws, head


def annotated(upload: Upload, errors: list[RowError], lt: LedgerType) -> bytes:
    """The user's rows as read, with each cell in error filled red and the row's messages in
    an extra column at the end; the header and the hidden type sheet as in the template,
    so the corrected copy uploads again as it is."""
    buf, wb, ws, head = _ledger_book(lt)
    bad = wb.add_format({"bg_color": "#F8CBAD", "border": 1, "border_color": "#C00000"})
    bad_day = wb.add_format({"bg_color": "#F8CBAD", "border": 1, "border_color": "#C00000", "num_format": "yyyy-mm-dd"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    note = wb.add_format({"font_color": "#C00000", "text_wrap": True})
    by_row: dict[int, list[RowError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    headers = list(upload.headers)
    error_col = len(headers)
    position_of = {lt.column(cid).header: i for cid, i in upload.positions.items()}
    ws.write_row(0, 0, headers + [ERROR_HEADER], head)
    for c, h in enumerate(headers):
        ws.set_column(c, c, min(max(display_width(h) + 4, 12), 40))
    ws.set_column(error_col, error_col, 60)
    ws.freeze_panes(1, 0)
    for out_row, (excel_row, cells) in enumerate(upload.rows, start=1):
        row_errors = by_row.get(excel_row, [])
        marked = {position_of[e.column] for e in row_errors if e.column in position_of}
        for c in range(max(len(cells), len(headers))):
            value = cells[c] if c < len(cells) else None
            _write(ws, out_row, c, value, (bad_day if c in marked else day), bad if c in marked else None)
        if row_errors:
            ws.write_string(out_row, error_col,
                            "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in row_errors), note)
    wb.close()
    return buf.getvalue()


def _write(ws, r: int, c: int, value: Any, date_format, plain) -> None:  # noqa: ANN001
    if value is None or value == "":
        if plain is not None:
            ws.write_blank(r, c, None, plain)
        return
    if isinstance(value, datetime):
        ws.write_datetime(r, c, value, date_format)
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, plain)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, plain)
    else:
        ws.write_string(r, c, escape_formula(str(value)), plain)


# --------------------------------------------------------------------------- export

def export(lt: LedgerType, rows: Iterable[Sequence[Any]], extra: Sequence[str] = ()) -> bytes:
    """A ledger view as xlsx in constant memory: the template's columns first (so the file
    uploads again as it is, extra columns being ignored by the import), then `extra` ones
    (状态, 逾期, 企业 …). Dates as dates; text that would read as a formula is escaped."""
    buf, wb, ws, head = _ledger_book(lt)
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    headers = [c.header for c in lt.columns] + list(extra)
    for c, col in enumerate(lt.columns):
        ws.set_column(c, c, _width(col))
    for c, h in enumerate(extra, start=len(lt.columns)):
        ws.set_column(c, c, max(display_width(h) + 4, 10))
    ws.write_row(0, 0, headers, head)
    ws.freeze_panes(1, 0)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            _write(ws, r, c, value, day, None)
        count = r
    ws.autofilter(0, 0, max(count, 1), len(headers) - 1)
    wb.close()
    return buf.getvalue()
