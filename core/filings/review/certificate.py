"""The 备案登记表 (filing registration certificate) of a filed plan set.

第二十八条 of 《生产安全事故应急预案管理办法》: the bureau files complete materials within
5 working days and issues this form; if it neither files nor explains, the plan is deemed
filed (逾期视为备案), and the form says so instead of claiming a review took place.

It is a legal document: what it says is fixed when the plan is filed (the content stored on
the filing), and its PDF is rendered once and kept as a file, so it never changes when the
enterprise's details, the code or the fonts do. When a re-filed version supersedes it, a
marked copy (本登记表已失效…) is rendered once in the same way; the original stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.context import ServiceContext
from core.errors import Conflict
from core.files.models import StoredFile
from core.files.service import clean_name
from core.filings.models import FILED_STATES, Filing
from core.filings.review import documents, service
from core.pdf import cn_date, document, font_faces, notice_box, signature, stamp, wrap  # noqa: F401 - font_faces re-exported

TITLE = "应急预案备案登记表"
ACCEPTED_TEXT = "你单位上报的《{title}》经形式审查，符合要求，予以备案。"
DEEMED_TEXT = ("你单位上报的《{title}》，备案部门自收到备案材料之日起5个工作日内未予备案，也未说明理由，"
               "依照《生产安全事故应急预案管理办法》第二十八条，视为已经备案。")
CLOSING = "特此证明。"
COLS = (32, 53, 28, 57)
PAD = 2.5


@dataclass(frozen=True)
class Superseded:
    """The re-filed version (第三十七条) that replaced this one."""

    filing_id: int | None
    filing_no: str | None
    on: date | None


@dataclass(frozen=True)
class Certificate:
    filing_id: int
    filing_no: str
    bureau_name: str
    enterprise_name: str
    address: str
    postal_code: str
    legal_representative: str
    handler: str
    phone: str
    fax: str
    title: str
    filed_on: date | None
    deemed: bool
    superseded: Superseded | None = field(default=None)

    @property
    def how_filed(self) -> str:
        return "逾期视为备案" if self.deemed else "准予备案"

    @property
    def text(self) -> str:
        """The body of the form: what was filed and on what ground."""
        return (DEEMED_TEXT if self.deemed else ACCEPTED_TEXT).format(title=self.title)

    @property
    def closing(self) -> str:
        return CLOSING

    @property
    def superseded_notice(self) -> str | None:
        s = self.superseded
        if s is None:
            return None
        if not s.filing_no:
            return "本登记表已失效：该预案已重新备案"
        return f"本登记表已失效：该预案已重新备案，新备案编号 {s.filing_no}" + (f"（{cn_date(s.on)}）" if s.on else "")

    @property
    def download_name(self) -> str:
        # A custom number format may contain "/" or other characters file systems refuse.
        return clean_name(f"备案登记表-{self.filing_no}" + ("-已失效" if self.superseded else "") + ".pdf")


def certificate(ctx: ServiceContext, filing_id: int) -> Certificate:
    """What the 备案登记表 of a visible filing prints (its stored content); Conflict while
    it has no 备案编号. A filing filed before contents were stored gets them now."""
    filing = service.read_filing(ctx, filing_id)
    if not filing.filing_no:
        raise Conflict("该备案尚未取得备案编号，没有备案登记表")
    # Filings filed before contents were kept get theirs fixed on this first reading.
    stored = documents.kept(ctx, Filing, filing.id, "certificate",
                            lambda c: {"content": service.certificate_content(c, filing)})["content"]
    return Certificate(filing_id=filing.id, **{**stored, "filed_on": date.fromisoformat(stored["filed_on"])},
                       superseded=_superseded(ctx, filing))


def _superseded(ctx: ServiceContext, filing: Filing) -> Superseded | None:
    if filing.status != "superseded":
        return None
    # The replacement may itself have been superseded since: it still was the one filed then.
    new = ctx.session.scalar(select(Filing).where(Filing.supersedes_id == filing.id,
                                                  Filing.status.in_((*FILED_STATES, "superseded")))
                             .order_by(Filing.id.desc()).limit(1))
    return Superseded(new.id if new else None, new.filing_no if new else None, filing.superseded_on)


def stored_pdf(ctx: ServiceContext, filing_id: int) -> tuple[Certificate, StoredFile]:
    """The certificate and its PDF as kept: rendered on first request and then served as
    stored (the marked copy once the filing is superseded)."""
    cert = certificate(ctx, filing_id)
    attr = "superseded_certificate_file_id" if cert.superseded else "certificate_file_id"
    return cert, documents.stored_copy(ctx, Filing, filing_id, attr, lambda: render_pdf(cert, ctx.house.config.get("PDF_FONT")),
                                       cert.download_name)


# ---------------------------------------------------------------------------- the PDF

def render_pdf(cert: Certificate, font: str | None = None) -> bytes:
    """The certificate as an A4 form, laid out as bureaus print it. `font`: a CJK font file
    (default: ANJIAN_PDF_FONT, else Debian's Noto CJK)."""
    from fpdf import FontFace
    from fpdf.enums import WrapMode

    pdf, strong = document(f"{TITLE}（{cert.filing_no}）", f"{cert.enterprise_name}：{cert.title}", cert.bureau_name,
                           font)
    pdf.set_font("serif", strong, 18)
    pdf.multi_cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("serif", "", 11)
    pdf.cell(0, 7, f"备案编号：{cert.filing_no}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if cert.superseded_notice:
        notice_box(pdf, cert.superseded_notice, strong)

    label = FontFace(emphasis="BOLD" if strong else None)
    full = sum(COLS[1:]) - 2 * PAD
    with pdf.table(col_widths=COLS, first_row_as_headings=False, text_align="LEFT", line_height=6.5,
                   padding=(2, PAD), min_row_height=11, wrapmode=WrapMode.CHAR, v_align="MIDDLE") as table:
        def row(*cells: tuple[str, str]) -> None:
            r = table.row()
            for i, (name, value) in enumerate(cells):
                r.cell(name, align="C", style=label)
                width = COLS[2 * i + 1] - 2 * PAD if len(cells) > 1 else full
                r.cell(wrap(pdf, value or "", width), colspan=1 if len(cells) > 1 else 3)

        row(("单位名称", cert.enterprise_name))
        row(("单位地址", cert.address), ("邮政编码", cert.postal_code))
        row(("法定代表人", cert.legal_representative), ("经办人", cert.handler))
        row(("联系电话", cert.phone), ("传真", cert.fax))
        r = table.row()
        inner = PAD * 3  # the text block's side padding
        body = f"\u3000\u3000{cert.text}\n\u3000\u3000{cert.closing}"
        r.cell(wrap(pdf, body, sum(COLS) - 2 * inner - 1), colspan=4, padding=(10, inner), v_align="TOP")

    signature(pdf, cert.bureau_name, cert.filed_on, label="备案部门（公章）")
    if cert.superseded:
        stamp(pdf, "已被新版本替代", strong, pdf.get_y())
    return bytes(pdf.output())
