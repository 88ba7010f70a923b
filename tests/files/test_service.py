"""The file store: content-addressed blobs, one row per upload, nothing left on failure."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.auth import service as auth
from core.errors import NotFound, PermissionDenied, TooLarge, ValidationFailed
from core.files import service as files
from core.files.models import StoredFile
from tenants.models import Tenant
from tests.files import samples


def store(app) -> files.FileStore:  # noqa: ANN001
    return app.extensions["anjian.files"]


def stored_files(app) -> list[Path]:  # noqa: ANN001
    """Every file (not directory) under FILES_DIR, temporary ones included."""
    root = Path(app.config["FILES_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def row_count(db) -> int:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(func.count()).select_from(StoredFile))


def tenant_id(db, uscc: str) -> int:  # noqa: ANN001
    return db.scalar(select(Tenant.id).where(Tenant.uscc == uscc))


ENT1 = "91150626MA0N1H2K6K"
YJHL_ENT = "91150627MA0R2F6NX4"


def upload(app, ctx, data: bytes, name: str, **kw) -> StoredFile:  # noqa: ANN001
    f = store(app).store_upload(ctx, io.BytesIO(data), name, **kw)
    ctx.session.commit()
    return f


@pytest.mark.parametrize(("maker", "name", "kind"), [
    (samples.pdf, "应急预案（2024版）.pdf", "pdf"),
    (samples.docx, "现场处置方案.docx", "docx"),
    (samples.xlsx, "隐患台账.xlsx", "xlsx"),
    (samples.jpeg, "整改照片.jpg", "jpg"),
    (samples.png, "现场.png", "png"),
])
def test_upload_each_type(app, ctx_for, db, maker, name, kind) -> None:  # noqa: ANN001
    data = maker()
    ctx = ctx_for("ent1_officer")
    f = upload(app, ctx, data, name)
    assert (f.kind, f.original_name, f.size) == (kind, name, len(data))
    assert f.tenant_id == ctx.actor.tenant_id and f.uploaded_by == ctx.actor.user_id
    blob = store(app).blob_path(f.sha256)
    assert blob == Path(app.config["FILES_DIR"]).resolve() / f.sha256[:2] / f.sha256[2:4] / f.sha256
    assert blob.read_bytes() == data
    assert stored_files(app) == [blob]  # no temporary file left
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "file.upload"))
    assert event.object_id == str(f.id) and name in event.summary and event.tenant_id == f.tenant_id


def test_same_content_twice_is_two_rows_and_one_blob(app, ctx_for, db) -> None:  # noqa: ANN001
    data = samples.pdf("same")
    a = upload(app, ctx_for("ent1_officer"), data, "预案.pdf")
    b = upload(app, ctx_for("ent2_officer"), data, "另一家的预案.pdf")
    assert a.id != b.id and a.sha256 == b.sha256 and a.tenant_id != b.tenant_id
    assert row_count(db) == 2
    assert stored_files(app) == [store(app).blob_path(a.sha256)]


@pytest.mark.parametrize(("data", "name"), [
    ("只是文字".encode(), "报告.pdf"),
    (samples.EXE, "工具.exe"),
    (samples.plain_zip(), "资料.docx"),
    (samples.png(), "报告.pdf"),
    (samples.OLE2_DOC, "旧预案.doc"),
    (samples.zip_bomb(), "预案.docx"),
    (b"", "空.pdf"),
], ids=["text", "exe", "zip", "png-as-pdf", "doc", "bomb", "empty"])
def test_refused_upload_leaves_nothing(app, ctx_for, db, data, name) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        store(app).store_upload(ctx, io.BytesIO(data), name)
    assert name in e.value.message
    ctx.session.commit()  # even a caller that commits afterwards keeps nothing
    assert row_count(db) == 0
    assert stored_files(app) == []


def test_too_large_leaves_nothing(app, ctx_for, db) -> None:  # noqa: ANN001
    store(app).max_bytes = 1024
    ctx = ctx_for("ent1_officer")
    with pytest.raises(TooLarge) as e:
        store(app).store_upload(ctx, io.BytesIO(samples.big_pdf(5000)), "大文件.pdf")
    assert e.value.status == 413 and e.value.message == "文件过大：不得超过 1 KB"
    assert row_count(db) == 0 and stored_files(app) == []
    f = upload(app, ctx, samples.png(), "小图.png")  # at or under the limit is fine
    assert f.size <= 1024


def test_limit_is_stated_in_mb(app, ctx_for) -> None:  # noqa: ANN001
    store(app).max_bytes = 2 * 1024 * 1024
    big = samples.big_pdf(2 * 1024 * 1024 + 1)
    with pytest.raises(TooLarge, match="文件过大：不得超过 2 MB"):
        store(app).store_upload(ctx_for("ent1_officer"), io.BytesIO(big), "大.pdf")


def test_rollback_after_upload_removes_the_new_blob(app, ctx_for, db) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    f = store(app).store_upload(ctx, io.BytesIO(samples.pdf("rolled back")), "预案.pdf")
    assert store(app).blob_path(f.sha256).is_file()
    ctx.session.rollback()  # e.g. the request failed after the service returned
    assert row_count(db) == 0
    assert stored_files(app) == []


def test_closing_without_commit_removes_the_new_blob(app, ctx_for, db) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    store(app).store_upload(ctx, io.BytesIO(samples.pdf("closed")), "预案.pdf")
    ctx.session.close()
    assert stored_files(app) == []


def test_rollback_of_a_duplicate_keeps_the_committed_blob(app, ctx_for, db) -> None:  # noqa: ANN001
    data = samples.pdf("kept")
    first = upload(app, ctx_for("ent1_officer"), data, "预案.pdf")
    ctx = ctx_for("ent1_officer")
    store(app).store_upload(ctx, io.BytesIO(data), "副本.pdf")
    ctx.session.rollback()
    assert row_count(db) == 1
    assert stored_files(app) == [store(app).blob_path(first.sha256)]


def test_duplicate_restores_a_blob_removed_before_its_commit(app, ctx_for, db) -> None:  # noqa: ANN001
    """Two uploads of new content overlap: A creates the blob, B finds it, A rolls back and
    removes it (no committed row refers to it yet). B kept its upload as a spare until
    commit, so B's row still gets its bytes. (The audit chain's row lock serialises the two
    transactions, so the window is the moment between A's rollback and A's clean-up; here
    A's clean-up is played by removing the blob by hand.)"""
    data = samples.pdf("race")
    a = upload(app, ctx_for("ent1_officer"), data, "a.pdf")
    b = ctx_for("ent2_officer")
    fb = store(app).store_upload(b, io.BytesIO(data), "b.pdf")
    blob = store(app).blob_path(a.sha256)
    assert len(stored_files(app)) == 2  # the blob and B's spare
    blob.unlink()
    b.session.commit()
    assert store(app).blob_path(fb.sha256).read_bytes() == data
    assert stored_files(app) == [blob]


def test_viewer_cannot_upload(app, ctx_for, db) -> None:  # noqa: ANN001
    sys = ctx_for()
    auth.create_user(sys, {"username": "ent1_viewer", "display_name": "宏达只读", "password": "anjian-demo",
                           "role": "viewer", "tenant_id": tenant_id(db, ENT1)})
    sys.session.commit()
    with pytest.raises(PermissionDenied) as refused:
        store(app).store_upload(ctx_for("ent1_viewer"), io.BytesIO(samples.pdf()), "a.pdf")
    assert stored_files(app) == []
    # The page asks the same rule: no upload form for the viewer, and the same reason.
    assert files.upload_refusal(ctx_for("ent1_viewer")).message == refused.value.message == "只读用户不能上传文件"
    assert files.upload_refusal(ctx_for("wsq_reviewer")) is None


def test_bureau_files_under_a_visible_enterprise_only(app, ctx_for, db) -> None:  # noqa: ANN001
    ctx = ctx_for("wsq_reviewer")
    f = upload(app, ctx, samples.pdf("检查"), "检查记录.pdf", tenant_id=tenant_id(db, ENT1))
    assert f.tenant_id == tenant_id(db, ENT1)
    # ent1 sees it, with the reviewer's name although the reviewer's row is outside its scope.
    ent1 = ctx_for("ent1_officer")
    info = files.list_files(ent1).items[0]
    assert (info.id, info.uploaded_by_name, info.tenant_name) == (f.id, "乌审旗审核员", "乌审旗宏达甲醇有限责任公司")
    with pytest.raises(ValidationFailed) as e:
        store(app).store_upload(ctx_for("wsq_reviewer"), io.BytesIO(samples.pdf()), "a.pdf",
                                tenant_id=tenant_id(db, YJHL_ENT))
    assert e.value.errors == {"tenant_id": ["所属单位不存在或无权访问"]}
    with pytest.raises(ValidationFailed):
        store(app).store_upload(ctx_for("ent2_officer"), io.BytesIO(samples.pdf()), "a.pdf",
                                tenant_id=tenant_id(db, ENT1))
    assert row_count(db) == 1


def test_scoping_of_reads(app, ctx_for) -> None:  # noqa: ANN001
    f = upload(app, ctx_for("ent1_officer"), samples.pdf(), "预案.pdf")
    assert files.get_file(ctx_for("wsq_reviewer"), f.id).id == f.id
    assert files.get_file(ctx_for("city_admin"), f.id).id == f.id
    for other in ("ent2_officer", "yjhl_reviewer", "yjhl_admin"):
        with pytest.raises(NotFound):
            files.get_file(ctx_for(other), f.id)
        with pytest.raises(NotFound):
            store(app).open_blob(ctx_for(other), f.id)
        assert files.list_files(ctx_for(other)).total == 0
    got, path = store(app).open_blob(ctx_for("wsq_reviewer"), f.id)
    assert got.id == f.id and path.read_bytes() == samples.pdf()


def test_list_filters_and_order(app, ctx_for) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    a = upload(app, ctx, samples.pdf("1"), "甲预案.pdf")
    b = upload(app, ctx, samples.xlsx(), "台账.xlsx")
    c = upload(app, ctx, samples.png(seed=3), "照片.png")
    page = files.list_files(ctx)
    assert [i.id for i in page.items] == [c.id, b.id, a.id] and page.total == 3
    assert [i.id for i in files.list_files(ctx, kind="xlsx").items] == [b.id]
    assert [i.id for i in files.list_files(ctx, q="预案").items] == [a.id]
    two = files.list_files(ctx, limit=2, offset=2)
    assert [i.id for i in two.items] == [a.id] and two.total == 3
    assert page.items[2].size_label.endswith("B") and page.items[0].inline_ok and not page.items[1].inline_ok


def test_download_name(app, ctx_for) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    f = upload(app, ctx, samples.pdf(), "C:\\fakepath\\应急预案（2024版）.pdf")
    assert f.original_name == "应急预案（2024版）.pdf" and files.download_name(f) == "应急预案（2024版）.pdf"
    g = upload(app, ctx, samples.png(seed=9), "现场照片")
    assert files.download_name(g) == "现场照片.png"
