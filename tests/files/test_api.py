"""/api/v1/files: list, multipart upload, metadata, content; errors in the common shape."""
from __future__ import annotations

import io
from urllib.parse import quote

from sqlalchemy import select

from tenants.models import Tenant
from tests.files import samples
from tests.files.samples import rows, stored_files

PLAN = "应急预案（2024版）.pdf"


def send(client, data: bytes, name: str, **form):  # noqa: ANN001, ANN201
    return client.post("/api/v1/files", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def test_upload_and_read_back(api, app, db) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    r = send(ent1, samples.pdf(), PLAN)
    assert r.status_code == 201, r.json
    meta = r.json
    assert meta["original_name"] == PLAN and meta["kind"] == "pdf" and meta["kind_label"] == "PDF"
    assert meta["content_type"] == "application/pdf" and meta["size"] == len(samples.pdf())
    assert meta["tenant_name"] == "乌审旗宏达甲醇有限责任公司" and meta["uploaded_by_name"] == "宏达甲醇安全员"
    assert meta["created_at"].endswith("+00:00") and len(meta["sha256"]) == 64
    assert meta["content_url"] == f"/api/v1/files/{meta['id']}/content"

    assert ent1.get(f"/api/v1/files/{meta['id']}").json == meta
    listing = ent1.get("/api/v1/files").json
    assert listing["total"] == 1 and listing["items"] == [meta]

    r = samples.closed(ent1.get(meta["content_url"]))
    assert r.status_code == 200 and r.data == samples.pdf()
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{quote(PLAN)}" in r.headers["Content-Disposition"]
    r = samples.closed(ent1.get(meta["content_url"] + "?inline=true"))
    assert r.headers["Content-Disposition"].startswith("inline;")


def test_each_type(api, app, db) -> None:  # noqa: ANN001
    c = api("ent1_officer")
    for maker, name, kind in [(samples.docx, "方案.docx", "docx"), (samples.xlsx, "台账.xlsx", "xlsx"),
                              (samples.jpeg, "照片.jpg", "jpg"), (samples.png, "照片.png", "png")]:
        r = send(c, maker(), name)
        assert r.status_code == 201 and r.json["kind"] == kind
    assert [i["kind"] for i in c.get("/api/v1/files").json["items"]] == ["png", "jpg", "xlsx", "docx"]
    assert [i["kind"] for i in c.get("/api/v1/files?kind=xlsx").json["items"]] == ["xlsx"]
    r = c.get("/api/v1/files?kind=exe")
    assert r.status_code == 422 and r.json["errors"] == {"kind": ["类型不在可选范围内"]}


def test_refused_types_in_the_common_shape(api, app, db) -> None:  # noqa: ANN001
    c = api("ent1_officer")
    for data, name, part in [
        ("纯文本".encode(), "报告.pdf", "的内容不是允许的类型（允许：PDF、Word(DOCX)、Excel(XLSX)、JPG、PNG）"),
        (samples.EXE, "setup.exe", "的内容不是允许的类型"),
        (samples.plain_zip(), "包.docx", "的内容不是允许的类型"),
        (samples.png(), "报告.pdf", "扩展名是 .pdf，但内容是 PNG 图片"),
        (samples.zip_bomb(), "预案.docx", "压缩比异常"),
    ]:
        r = send(c, data, name)
        assert r.status_code == 422, name
        assert r.json["code"] == "validation_failed"
        assert part in r.json["message"] and name in r.json["message"]
        assert r.json["errors"]["file"] == [r.json["message"]]
    assert rows(db) == 0 and stored_files(app) == []


def test_missing_file_field(api, db) -> None:  # noqa: ANN001
    r = api("ent1_officer").post("/api/v1/files", data={"other": "x"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["errors"]


def test_oversized(api, app, db) -> None:  # noqa: ANN001
    c = api("ent1_officer")
    app.extensions["anjian.files"].max_bytes = 1024
    r = send(c, samples.big_pdf(5000), "大文件.pdf")
    assert r.status_code == 413 and r.json["code"] == "too_large"
    assert r.json["message"] == "文件过大：不得超过 1 KB"
    app.config["MAX_CONTENT_LENGTH"] = 2048
    r = send(c, samples.big_pdf(5000), "大.pdf")
    assert r.status_code == 413 and "过大" in r.json["message"]
    assert rows(db) == 0 and stored_files(app) == []


def test_same_content_twice(api, app, db) -> None:  # noqa: ANN001
    data = samples.xlsx()  # built once: xlsxwriter stamps the creation time
    a = send(api("ent1_officer"), data, "台账.xlsx").json
    b = send(api("ent2_officer"), data, "台账.xlsx").json
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert rows(db) == 2 and len(stored_files(app)) == 1


def test_isolation(api, db) -> None:  # noqa: ANN001
    fid = send(api("ent1_officer"), samples.pdf(), PLAN).json["id"]
    for user in ("ent2_officer", "yjhl_reviewer"):
        c = api(user)
        for path in (f"/api/v1/files/{fid}", f"/api/v1/files/{fid}/content"):
            r = samples.closed(c.get(path))
            assert r.status_code == 404 and r.json["code"] == "not_found"
        assert c.get("/api/v1/files").json["total"] == 0
    c = api("wsq_reviewer")
    assert c.get(f"/api/v1/files/{fid}").json["original_name"] == PLAN
    assert samples.closed(c.get(f"/api/v1/files/{fid}/content")).data == samples.pdf()


def test_bureau_upload_for_an_enterprise(api, db) -> None:  # noqa: ANN001
    ent1 = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    other = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150627MA0R2F6NX4"))
    r = send(api("wsq_reviewer"), samples.pdf(), "检查记录.pdf", tenant_id=str(ent1))
    assert r.status_code == 201 and r.json["tenant_id"] == ent1 and r.json["uploaded_by_name"] == "乌审旗审核员"
    r = send(api("wsq_reviewer"), samples.pdf(), "检查记录.pdf", tenant_id=str(other))
    assert r.status_code == 422 and r.json["errors"] == {"tenant_id": ["所属单位不存在或无权访问"]}
    listing = api("ent1_officer").get("/api/v1/files").json
    assert [i["original_name"] for i in listing["items"]] == ["检查记录.pdf"]


def test_anonymous_is_refused(client) -> None:  # noqa: ANN001
    assert client.get("/api/v1/files").status_code == 401


def test_openapi_documents_the_upload(client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/files"]["post"]
    ref = op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["file"]["format"] == "binary" and "tenant_id" in schema["properties"]
    assert "parameters" not in op  # no stray OpenAPI 2 "formData" parameters
    assert "/api/v1/files/{file_id}/content" in spec["paths"]
