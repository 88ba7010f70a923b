"""The files page: list, upload form, downloads; errors re-render the page."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from core.auth import service as auth
from core.files.models import StoredFile
from core.files.service import human_size
from tenants.models import Tenant
from tests.files import samples
from tests.files.samples import rows, stored_files

PLAN = "应急预案（2024版）.pdf"


def post(c, data: bytes, name: str, **extra):  # noqa: ANN001, ANN201
    return c.post("/files", data={"csrf_token": c.csrf, "file": (io.BytesIO(data), name), **extra},
                  content_type="multipart/form-data")


def upload_plan(as_user, db) -> int:  # noqa: ANN001
    c = as_user("ent1_officer")
    r = post(c, samples.pdf(), PLAN)
    assert r.status_code == 303, r.get_data(as_text=True)
    db.expire_all()
    return db.scalar(select(StoredFile.id).where(StoredFile.original_name == PLAN))


def test_index_lists_visible_files_with_upload_form(as_user, db) -> None:  # noqa: ANN001
    c = as_user("ent1_officer")
    html = c.get("/files").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token" value="test-csrf"' in html
    assert "暂无文件" in html
    r = post(c, samples.pdf(), PLAN)
    assert r.status_code == 303 and r.headers["Location"].endswith("/files")
    html = c.get("/files").get_data(as_text=True)
    assert PLAN in html and "已上传“应急预案（2024版）.pdf”" in html
    assert "宏达甲醇安全员" in html and "PDF" in html
    assert f"<td>{human_size(len(samples.pdf()))}</td>" in html
    assert "暂无文件" not in html
    # Another enterprise does not see it; the supervising bureau does, with the unit's name.
    assert PLAN not in as_user("ent2_officer").get("/files").get_data(as_text=True)
    assert PLAN not in as_user("yjhl_reviewer").get("/files").get_data(as_text=True)
    html = as_user("wsq_reviewer").get("/files").get_data(as_text=True)
    assert PLAN in html and "乌审旗宏达甲醇有限责任公司" in html


@pytest.mark.parametrize(("maker", "name"), [
    (samples.docx, "现场处置方案.docx"), (samples.xlsx, "隐患台账.xlsx"),
    (samples.jpeg, "整改照片.jpeg"), (samples.png, "现场.png"),
])
def test_upload_each_type(as_user, app, db, maker, name) -> None:  # noqa: ANN001
    r = post(as_user("ent1_officer"), maker(), name)
    assert r.status_code == 303
    assert rows(db) == 1 and len(stored_files(app)) == 1


@pytest.mark.parametrize(("data", "name", "expected"), [
    ("这只是一段文字".encode(), "报告.pdf", "文件“报告.pdf”的内容不是允许的类型（允许：PDF、Word(DOCX)、Excel(XLSX)、JPG、PNG）"),
    (samples.EXE, "安装程序.exe", "文件“安装程序.exe”的内容不是允许的类型"),
    (samples.plain_zip(), "资料.zip", "文件“资料.zip”的内容不是允许的类型"),
    (samples.png(), "报告.pdf", "扩展名是 .pdf，但内容是 PNG 图片"),
    (samples.OLE2_DOC, "旧台账.xls", "另存为 DOCX 或 XLSX"),
    (samples.zip_bomb(), "预案.docx", "压缩比异常"),
], ids=["text", "exe", "zip", "png-as-pdf", "xls", "bomb"])
def test_refused_upload_rerenders_with_422(as_user, app, db, data, name, expected) -> None:  # noqa: ANN001
    r = post(as_user("ent1_officer"), data, name)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert expected in html and 'data-testid="upload-form"' in html
    assert rows(db) == 0 and stored_files(app) == []


def test_missing_file(as_user, db) -> None:  # noqa: ANN001
    c = as_user("ent1_officer")
    r = c.post("/files", data={"csrf_token": c.csrf}, content_type="multipart/form-data")
    assert r.status_code == 422 and "请选择要上传的文件" in r.get_data(as_text=True)


def test_oversized_file_refused_by_the_store(as_user, app, db) -> None:  # noqa: ANN001
    app.extensions["anjian.files"].max_bytes = 1024
    r = post(as_user("ent1_officer"), samples.big_pdf(5000), "大文件.pdf")
    assert r.status_code == 413
    assert "文件过大：不得超过 1 KB" in r.get_data(as_text=True)
    assert rows(db) == 0 and stored_files(app) == []


def test_oversized_request_refused_before_reading(as_user, app, db) -> None:  # noqa: ANN001
    app.config["MAX_CONTENT_LENGTH"] = 4096
    app.extensions["anjian.files"].max_bytes = 2048
    r = post(as_user("ent1_officer"), samples.big_pdf(10000), "大.pdf")
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and "文件过大：不得超过 2 KB" in html
    assert 'data-testid="upload-form"' in html
    assert rows(db) == 0 and stored_files(app) == []


def test_csrf_required(as_user, app, db) -> None:  # noqa: ANN001
    c = as_user("ent1_officer")
    r = c.post("/files", data={"file": (io.BytesIO(samples.pdf()), "a.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert rows(db) == 0 and stored_files(app) == []


def test_viewer_sees_no_form_and_cannot_upload(as_user, ctx_for, app, db) -> None:  # noqa: ANN001
    sys = ctx_for()
    ent1 = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    auth.create_user(sys, {"username": "ent1_viewer", "display_name": "宏达只读", "password": "anjian-demo",
                           "role": "viewer", "tenant_id": ent1})
    sys.session.commit()
    c = as_user("ent1_viewer")
    html = c.get("/files").get_data(as_text=True)
    assert c.get("/files").status_code == 200 and 'data-testid="upload-form"' not in html
    r = post(c, samples.pdf(), "a.pdf")
    assert r.status_code == 403 and "只读用户不能上传文件" in r.get_data(as_text=True)
    assert rows(db) == 0 and stored_files(app) == []


def test_download_keeps_the_chinese_name(as_user, db) -> None:  # noqa: ANN001
    fid = upload_plan(as_user, db)
    r = samples.closed(as_user("ent1_officer").get(f"/files/{fid}/download"))
    assert r.status_code == 200 and r.data == samples.pdf()
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(PLAN)}" in cd
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in r.headers["Cache-Control"]


def test_inline_view_for_pdf_and_images_only(as_user, db) -> None:  # noqa: ANN001
    fid = upload_plan(as_user, db)
    c = as_user("ent1_officer")
    r = samples.closed(c.get(f"/files/{fid}/download?inline=1"))
    assert r.headers["Content-Disposition"].startswith("inline;")
    assert r.headers["Content-Type"] == "application/pdf" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert post(c, samples.png(), "现场.png").status_code == 303
    assert post(c, samples.xlsx(), "台账.xlsx").status_code == 303
    db.expire_all()
    png_id = db.scalar(select(StoredFile.id).where(StoredFile.kind == "png"))
    xlsx_id = db.scalar(select(StoredFile.id).where(StoredFile.kind == "xlsx"))
    r = samples.closed(c.get(f"/files/{png_id}/download?inline=1"))
    assert r.headers["Content-Disposition"].startswith("inline;") and r.headers["Content-Type"] == "image/png"
    r = samples.closed(c.get(f"/files/{xlsx_id}/download?inline=1"))
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_download_isolation(as_user, db) -> None:  # noqa: ANN001
    fid = upload_plan(as_user, db)
    assert samples.closed(as_user("ent2_officer").get(f"/files/{fid}/download")).status_code == 404
    assert samples.closed(as_user("yjhl_reviewer").get(f"/files/{fid}/download")).status_code == 404
    assert samples.closed(as_user("ent2_officer").get(f"/files/{fid}/download?inline=1")).status_code == 404
    r = samples.closed(as_user("wsq_reviewer").get(f"/files/{fid}/download"))
    assert r.status_code == 200 and r.data == samples.pdf()
    assert samples.closed(as_user("city_admin").get(f"/files/{fid}/download")).status_code == 200
    assert samples.closed(as_user("ent1_officer").get("/files/999999/download")).status_code == 404
