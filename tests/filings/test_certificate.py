"""备案登记表: the printable page, the PDF (page and API), its wording for accepted, deemed
and superseded filings, the 409 before a number exists, isolation and a missing font."""
from __future__ import annotations

import io
import os
from datetime import date
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from core.filings.models import Filing
from core.filings.review import certificate, service
from tests.conftest import _user
from tests.filings.conftest import draft, submitted

TITLE = "乌审旗宏达甲醇有限责任公司生产安全事故应急预案"
ENT1 = "乌审旗宏达甲醇有限责任公司"
BUREAU = "乌审旗应急管理局"
NO_NUMBER = "该备案尚未取得备案编号，没有备案登记表"

# PDFs need Debian's fonts-noto-cjk (`make fonts`); without it they are skipped, except in CI.
needs_font = pytest.mark.skipif(
    certificate.font_faces(None) is None and not os.environ.get("CI"),
    reason="fonts-noto-cjk is not installed (run `make fonts` as root): 备案登记表 PDF tests skipped")


def accepted(ctx_for, store, **kw) -> Filing:  # noqa: ANN001
    """A filing of ent1 accepted by 乌审旗 today (committed)."""
    fid = submitted(ctx_for, store, service.beijing_today(), **kw)
    reviewer = ctx_for("wsq_reviewer")
    filing = service.get_filing(reviewer, fid)
    service.transition(reviewer, fid, "accept", filing.version)
    reviewer.session.commit()
    return filing


def pdf_text(resp) -> str:  # noqa: ANN001
    assert resp.status_code == 200, resp.text
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    # pypdf reads fpdf2's embedded code→CID CMap as one-byte codes and leaves a NUL before
    # each character (poppler's pdftotext reads the same file cleanly).
    return text.replace("\x00", "")


def attachment_name(resp) -> str:  # noqa: ANN001
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


@needs_font
def test_accepted_certificate(ctx_for, store, as_user, api, db) -> None:  # noqa: ANN001
    filing = accepted(ctx_for, store)
    no, fid = filing.filing_no, filing.id
    reviewer = as_user("wsq_reviewer")

    detail = reviewer.get(f"/filings/{fid}").text
    assert f'href="/filings/{fid}/certificate"' in detail
    page = reviewer.get(f"/filings/{fid}/certificate")
    assert page.status_code == 200
    assert f'<span data-testid="certificate-no">{no}</span>' in page.text
    assert 'data-testid="certificate"' in page.text and 'data-testid="superseded"' not in page.text
    body = f"你单位上报的《{TITLE}》经形式审查，符合要求，予以备案。"
    assert body in page.text and "特此证明。" in page.text and f"/filings/{fid}/certificate.pdf" in page.text

    r = reviewer.get(f"/filings/{fid}/certificate.pdf")
    text = pdf_text(r)
    assert attachment_name(r) == f"备案登记表-{no}.pdf"
    # The form as bureaus print it (备案编号, 单位名称 … 传真, the text, 备案部门（公章）, date).
    for expected in ("应急预案备案登记表", f"备案编号：{no}", "单位名称", ENT1, "单位地址", "内蒙古鄂尔多斯市乌审旗图克工业园区纬三路8号",
                     "邮政编码", "017300", "法定代表人", "王建国", "经办人", "宏达甲醇安全员", "联系电话", "0477-7512301",
                     "传真", "0477-7512302", body, "特此证明。", "备案部门（公章）", BUREAU,
                     certificate.cn_date(filing.accepted_on)):
        assert expected in text.replace("\n", ""), expected
    assert "视为已经备案" not in text and "已失效" not in text and "主要负责人" not in text
    assert no in PdfReader(io.BytesIO(r.data)).metadata.title

    # Rendered once and kept: the filing points at the stored file, and every download is that file.
    db.expire_all()
    kept = db.get(Filing, fid).certificate_file_id
    assert kept is not None
    assert reviewer.get(f"/filings/{fid}/certificate.pdf").data == r.data
    # The enterprise downloads its own certificate, by page and by API (its scope hides the
    # bureau row, yet the bureau is named).
    assert attachment_name(as_user("ent1_officer").get(f"/filings/{fid}/certificate.pdf")) == f"备案登记表-{no}.pdf"
    r2 = api("ent1_officer").get(f"/api/v1/filings/{fid}/certificate")
    assert attachment_name(r2) == f"备案登记表-{no}.pdf" and r2.data == r.data
    db.expire_all()
    assert db.get(Filing, fid).certificate_file_id == kept


@needs_font
def test_certificate_says_what_it_said_when_filed(ctx_for, store, as_user, db) -> None:  # noqa: ANN001
    """A legal document: later changes to the enterprise do not rewrite it."""
    from tenants.models import Tenant
    filing = accepted(ctx_for, store)
    ent = db.get(Tenant, filing.tenant_id)
    ent.address, ent.legal_representative = "内蒙古鄂尔多斯市乌审旗新地址1号", "另一人"
    db.commit()
    browser = as_user("ent1_officer")
    page = browser.get(f"/filings/{filing.id}/certificate").text
    assert "图克工业园区纬三路8号" in page and "新地址" not in page and "另一人" not in page
    text = pdf_text(browser.get(f"/filings/{filing.id}/certificate.pdf")).replace("\n", "")
    assert "图克工业园区纬三路8号" in text and "新地址" not in text


@needs_font
def test_deemed_certificate_cites_article_28(ctx_for, store, as_user) -> None:  # noqa: ANN001
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    system = ctx_for()
    service.sweep_deadlines(system, today=date(2026, 3, 31))
    system.session.commit()
    browser = as_user("ent1_officer")
    page = browser.get(f"/filings/{fid}/certificate").text
    assert "视为已经备案" in page and 'data-deemed="true"' in page
    text = pdf_text(browser.get(f"/filings/{fid}/certificate.pdf")).replace("\n", "")
    for expected in ("乌应急备〔2026〕第001号", f"你单位上报的《{TITLE}》", "5个工作日内未予备案", "第二十八条",
                     "视为已经备案", "特此证明。", "2026年3月31日"):
        assert expected in text, expected
    assert "经形式审查" not in text


@needs_font
def test_superseded_certificate_names_the_new_number(ctx_for, store, as_user, api, db) -> None:  # noqa: ANN001
    old = accepted(ctx_for, store)
    new = accepted(ctx_for, store, title="乌审旗宏达甲醇有限责任公司生产安全事故应急预案（2026年修订）")
    # The supersession service is written elsewhere: arrange its outcome directly.
    db_old, db_new = db.get(Filing, old.id), db.get(Filing, new.id)
    db_old.status, db_old.superseded_on, db_new.supersedes_id = "superseded", date(2026, 11, 20), old.id
    db.commit()
    notice = f"本登记表已失效：该预案已重新备案，新备案编号 {new.filing_no}（2026年11月20日）"
    assert certificate.certificate(ctx_for("ent1_officer"), old.id).superseded_notice == notice

    browser = as_user("wsq_reviewer")
    page = browser.get(f"/filings/{old.id}/certificate").text
    assert f'<span data-testid="certificate-no">{old.filing_no}</span>' in page
    assert 'data-testid="superseded"' in page and notice in page and "已被新版本替代" in page
    assert f'href="/filings/{new.id}/certificate"' in page
    text = pdf_text(api("ent1_officer").get(f"/api/v1/filings/{old.id}/certificate")).replace("\n", "")
    assert "本登记表已失效" in text and new.filing_no in text and "2026年11月20日" in text
    assert "已被新版本替代" in text and old.filing_no in text

    # The new version's own certificate is valid.
    assert 'data-testid="superseded"' not in browser.get(f"/filings/{new.id}/certificate").text


def test_no_number_is_409(ctx_for, as_user, api) -> None:  # noqa: ANN001
    officer = ctx_for("ent1_officer")
    fid = draft(officer).id
    officer.session.commit()
    browser = as_user("ent1_officer")
    for path in (f"/filings/{fid}/certificate", f"/filings/{fid}/certificate.pdf"):
        r = browser.get(path)
        assert r.status_code == 409 and NO_NUMBER in r.text, path
    assert f'href="/filings/{fid}/certificate"' not in browser.get(f"/filings/{fid}").text
    r = api("ent1_officer").get(f"/api/v1/filings/{fid}/certificate")
    assert r.status_code == 409 and r.json == {"code": "conflict", "message": NO_NUMBER, "errors": {}}


def test_other_county_gets_404(ctx_for, store, as_user, api) -> None:  # noqa: ANN001
    fid = accepted(ctx_for, store).id
    browser = as_user("yjhl_reviewer")
    for path in (f"/filings/{fid}/certificate", f"/filings/{fid}/certificate.pdf"):
        assert browser.get(path).status_code == 404, path
    r = api("yjhl_reviewer").get(f"/api/v1/filings/{fid}/certificate")
    assert r.status_code == 404 and r.json["code"] == "not_found"


def test_missing_font_is_503(make_app, ctx_for, store, api) -> None:  # noqa: ANN001
    fid = accepted(ctx_for, store).id
    broken = make_app(PDF_FONT="/nonexistent/NotoSerifCJK-Regular.ttc")
    message = "服务器未安装中文字体（fonts-noto-cjk），无法生成PDF；请联系管理员"
    r = broken.test_client().get(f"/api/v1/filings/{fid}/certificate", headers=api("wsq_reviewer").headers)
    assert r.status_code == 503 and r.json == {"code": "unavailable", "message": message, "errors": {}}

    browser = broken.test_client()
    uid, epoch = _user(broken, "wsq_reviewer")
    with browser.session_transaction() as sess:
        sess["uid"], sess["epoch"] = uid, epoch
    r = browser.get(f"/filings/{fid}/certificate.pdf")
    assert r.status_code == 503 and message in r.text
    assert browser.get(f"/filings/{fid}/certificate").status_code == 200  # the page needs no font


def test_openapi_documents_the_pdf(client) -> None:  # noqa: ANN001
    op = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/filings/{filing_id}/certificate"]["get"]
    assert "application/pdf" in op["responses"]["200"]["content"]


@needs_font
def test_the_api_keeps_the_first_copy_too(ctx_for, store, api, db) -> None:  # noqa: ANN001
    """An API read commits nothing of its own: the kept copy is stored in its own unit of work."""
    filing = accepted(ctx_for, store)
    client = api("ent1_officer")
    first = client.get(f"/api/v1/filings/{filing.id}/certificate")
    second = client.get(f"/api/v1/filings/{filing.id}/certificate")
    assert first.status_code == second.status_code == 200 and first.data == second.data
    db.expire_all()
    assert db.get(Filing, filing.id).certificate_file_id is not None


def test_a_filing_filed_before_contents_were_kept_gets_them_on_first_reading(ctx_for, store, as_user, db) -> None:  # noqa: ANN001
    from tenants.models import Tenant
    filing = accepted(ctx_for, store)
    row = db.get(Filing, filing.id)
    row.certificate = None  # as migration 0010 left filings filed before it
    db.commit()
    as_user("ent1_officer").get(f"/filings/{filing.id}/certificate")
    db.expire_all()
    assert db.get(Filing, filing.id).certificate["content"]["address"] == "内蒙古鄂尔多斯市乌审旗图克工业园区纬三路8号"
    db.get(Tenant, filing.tenant_id).address = "新地址"
    db.commit()
    assert "新地址" not in as_user("ent1_officer").get(f"/filings/{filing.id}/certificate").text
