"""Ledger spreadsheets: the template from the declaration, an upload read as people fill
it, every kind of bad file refused with a Chinese message, and the annotated copy."""
import copy
import io
import re
import zipfile
from datetime import date, datetime

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from core.ledgers import xlsx
from core.ledgers.declaration import compile_ledger
from core.ledgers.standard import HAZARD_LEDGER
from core.ledgers.xlsx import FileRefused, annotated, read_upload, template
from core.plugin_api import validate_template

HAZARDS = compile_ledger(validate_template(copy.deepcopy(HAZARD_LEDGER)))
HEADERS = [c.header for c in HAZARDS.columns]
ROW = {"隐患编号": "YH-001", "来源": "日常排查", "排查日期": date(2024, 9, 2), "排查人": "王强", "责任部门": "生产部",
       "部位/装置": "甲醇储罐区", "隐患描述": "防静电接地装置失效", "类别": "现场管理类", "等级": "一般",
       "整改措施": "更换接地装置", "整改责任人": "李明", "整改期限": "2024/9/10"}


def workbook(rows: list[dict], headers: list[str] = HEADERS, *, title: str | None = None,
             meta: str | None = None) -> bytes:
    """An xlsx as a user's own Excel writes it: optionally a merged title row above the header."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("台账")
    top = 0
    if title:
        ws.merge_range(0, 0, 0, len(headers) - 1, title)
        top = 1
    ws.write_row(top, 0, headers)
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=top + 1):
        for c, h in enumerate(headers):
            v = row.get(h)
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
            elif isinstance(v, str):
                ws.write_string(r, c, v)        # text as typed, even when it starts with "="
            elif v is not None:
                ws.write(r, c, v)
    if meta:
        wb.add_worksheet("_anjian").write_row(0, 0, ["ledger_type", meta])
    wb.close()
    return buf.getvalue()


def refused(data: bytes, **limits) -> str:
    with pytest.raises(FileRefused) as e:
        read_upload(data, HAZARDS, **limits)
    return e.value.message


def test_the_template_is_generated_from_the_declaration():
    data = template(HAZARDS, rows=1000)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert wb.sheet_names == ["台账", "填写说明", "_anjian"]
    assert [m.visible for m in wb.sheets_metadata][2] == SheetVisibleEnum.Hidden
    assert wb.get_sheet_by_name("台账").to_python()[0] == HEADERS
    assert wb.get_sheet_by_name("_anjian").to_python(skip_empty_area=False)[0][:2] == ["ledger_type", "hazards"]
    guide = "\n".join(str(c) for row in wb.get_sheet_by_name("填写说明").to_python() for c in row)
    assert "等级为“重大”时，判定依据不能为空" in guide and "从下拉列表中选择：一般、重大" in guide
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert 'ySplit="1"' in sheet                                            # the header row is frozen
    assert re.search(r'<dataValidation type="list"[^>]*sqref="I2:I1001"', sheet)   # 等级: a dropdown
    assert "'_anjian'!$L$1:$L$2" in sheet
    assert re.search(r'<dataValidation type="date"[^>]*sqref="C2:C1001"', sheet)   # 排查日期


def test_the_template_reads_back_with_a_row_filled_in():
    # The empty template has a header and no rows.
    assert refused(template(HAZARDS, rows=10)) == "文件中没有数据行：请在表头下方填写后再上传"


def test_an_upload_as_people_fill_it():
    """A title row above the header, the columns in another order, dates in three forms."""
    headers = list(reversed(HEADERS))
    rows = [ROW, {**ROW, "隐患编号": "YH-002", "排查日期": "2024年9月3日", "整改期限": "2024-09-30", "等级": " 重大",
                  "判定依据": "判定标准第5项"}]
    upload = read_upload(workbook(rows, headers, title="乌审旗宏达甲醇有限责任公司2024年隐患排查治理台账"), HAZARDS)
    assert upload.header_row == 2 and [n for n, _ in upload.rows] == [3, 4]
    records, errors = HAZARDS.validate((n, upload.cells(cells)) for n, cells in upload.rows)
    assert errors == []
    assert [(r["code"], r["found_on"], r["due_on"], r["level"]) for r in records] == [
        ("YH-001", date(2024, 9, 2), date(2024, 9, 10), "一般"), ("YH-002", date(2024, 9, 3), date(2024, 9, 30), "重大")]


@pytest.mark.parametrize("data, message", [
    (b"", "文件是空的"),
    (b"%PDF-1.7 not a spreadsheet", "不是 Excel（.xlsx）文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "文件已加密或为旧版 .xls 格式"),
    (b"PK\x03\x04 truncated", "文件已损坏"),
])
def test_what_is_not_an_xlsx_is_refused(data, message):
    assert message in refused(data)


def test_a_zip_that_is_no_workbook_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    assert "不是 Excel（.xlsx）文件" in refused(buf.getvalue())


def test_a_decompression_bomb_is_stopped_while_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))   # 8 MB of zeros in a few KB
    assert len(buf.getvalue()) < 64 * 1024
    assert "解压后过大" in refused(buf.getvalue(), max_inflated=4 * 1024 * 1024)


def test_another_template_a_renamed_header_and_too_many_rows():
    assert "这不是“隐患排查治理台账”的模板" in refused(workbook([ROW], meta="hazchem.supplies"))
    renamed = [("排查时间" if h == "排查日期" else h) for h in HEADERS]
    assert refused(workbook([{**ROW, "排查时间": ROW["排查日期"]}], renamed)) == \
        "缺少必填列：排查日期（表头文字可能被修改，请与模板保持一致）"
    many = [{**ROW, "隐患编号": f"YH-{i}"} for i in range(30)]
    assert "一次最多导入 20 行" in refused(workbook(many), max_rows=20)
    assert "出现了两次" in refused(workbook([ROW], HEADERS + ["等级"]))
    assert "没有找到“隐患排查治理台账”的表头" in refused(workbook([{"a": 1}], ["甲", "乙"]))


def test_the_annotated_copy_marks_the_cells_and_uploads_again():
    rows = [ROW, {**ROW, "隐患编号": "YH-002", "等级": "很大", "整改期限": "下周"}, {**ROW, "隐患编号": "YH-001"}]
    upload = read_upload(workbook(rows, title="台账"), HAZARDS)
    records, errors = HAZARDS.validate((n, upload.cells(cells)) for n, cells in upload.rows)
    assert [(e.row, e.column) for e in errors] == [(4, "等级"), (4, "整改期限"), (5, "隐患编号")]
    copy_ = annotated(upload, errors, HAZARDS)
    grid = CalamineWorkbook.from_filelike(io.BytesIO(copy_)).get_sheet_by_name("台账").to_python()
    assert grid[0][-1] == xlsx.ERROR_HEADER and grid[0][:-1] == HEADERS
    assert grid[2][-1].startswith("等级：只能填写：一般、重大") and "整改期限：应为日期" in grid[2][-1]
    assert grid[1][-1] == "" and grid[3][-1] == "隐患编号：隐患编号“YH-001”与第3行重复"
    again = read_upload(copy_, HAZARDS)          # the same ledger type, the same rows, the same problems
    _, errors = HAZARDS.validate((n, again.cells(cells)) for n, cells in again.rows)
    assert [(e.row, e.column) for e in errors] == [(3, "等级"), (3, "整改期限"), (4, "隐患编号")]
