"""Through the store: an upload whose first bytes name a type but whose body is no file of
that type is refused and leaves nothing behind (the 27-byte "PDF" once kept as a 风险评估 report)."""
from __future__ import annotations

import io

import pytest

from core.errors import ValidationFailed
from tests.files import samples


def store_upload(app, ctx, data: bytes, name: str):  # noqa: ANN001, ANN201
    return app.extensions["anjian.files"].store_upload(ctx, io.BytesIO(data), name)


@pytest.mark.parametrize(("data", "name", "what"), [
    (samples.SHELL_AS_PDF, "风险评估结果.pdf", "PDF 文档"),
    (samples.fpdf2_pdf(pages=3)[:-200], "应急预案.pdf", "PDF 文档"),
    (samples.png()[:-12], "现场照片.png", "PNG 图片"),
    (samples.jpeg()[:-2], "整改照片.jpg", "JPG 图片"),
], ids=["shell-as-pdf", "truncated-pdf", "truncated-png", "truncated-jpeg"])
def test_broken_upload_is_refused_and_leaves_nothing(app, ctx_for, db, data, name, what) -> None:  # noqa: ANN001
    ctx = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        store_upload(app, ctx, data, name)
    assert e.value.message == f"文件“{name}”不是有效的 {what}（结构不完整），请上传原始文件"
    assert e.value.errors == {"file": [e.value.message]}
    ctx.session.commit()
    assert samples.rows(db) == 0 and samples.stored_files(app) == []


@pytest.mark.parametrize("maker", [
    samples.fpdf2_pdf, lambda: samples.incremental_update(samples.fpdf2_pdf("evaluation report")),
], ids=["fpdf2", "incremental-update"])
def test_real_pdfs_are_kept(app, ctx_for, db, maker) -> None:  # noqa: ANN001
    data = maker()
    ctx = ctx_for("ent1_officer")
    f = store_upload(app, ctx, data, "风险评估结果.pdf")
    ctx.session.commit()
    assert (f.kind, f.size) == ("pdf", len(data)) and samples.rows(db) == 1
