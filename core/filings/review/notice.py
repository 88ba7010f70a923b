"""The 补正告知书 (correction notice) of a return: the one-time list (一次性告知) of the
materials to supply, with what is wrong with each, as the bureau issues it on paper.

第二十八条 of 《生产安全事故应急预案管理办法》: 材料不齐全的，不予备案并一次性告知需要补齐的材料.
Like the 备案登记表 it is a legal document: its content is fixed when the bureau returns the
filing, and its PDF is rendered once and kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.context import ServiceContext
from core.errors import NotFound
from core.files.models import StoredFile
from core.files.service import clean_name
from core.filings.models import Filing, FilingReturn
from core.filings.review import documents, service
from core.pdf import cn_date, document, paragraph, signature, wrap

TITLE = "应急预案备案补正告知书"
ARTICLE = "《生产安全事故应急预案管理办法》第二十八条"


@dataclass(frozen=True)
class Notice:
    filing_id: int
    round: int
    enterprise_name: str
    title: str
    received_on: date | None
    bureau_name: str
    returned_on: date
    items: tuple[tuple[str, str], ...]    # (material label, what is wrong)
    comment: str | None

    @property
    def opening(self) -> str:
        received = f"于{cn_date(self.received_on)}" if self.received_on else ""
        return (f"你单位{received}报送的《{self.title}》备案材料收悉。经核对，备案材料不齐全，暂不予备案。"
                f"依照{ARTICLE}，现一次性告知需要补齐的材料如下：")

    @property
    def closing(self) -> str:
        return "请按上述事项补齐材料后重新报送。"

    @property
    def download_name(self) -> str:
        return clean_name(f"补正告知书-{self.enterprise_name}-第{self.round}次.pdf")


def _return_of(ctx: ServiceContext, filing_id: int, round_: int) -> tuple[Filing, FilingReturn]:
    filing = service.get_filing(ctx, filing_id)
    returned = ctx.session.scalar(select(FilingReturn).where(FilingReturn.filing_id == filing.id,
                                                             FilingReturn.round == round_))
    if returned is None:
        raise NotFound("该次退回记录不存在")
    return filing, returned


def notice(ctx: ServiceContext, filing_id: int, round_: int) -> Notice:
    """The 补正告知书 of the `round_`-th return of a visible filing."""
    filing, returned = _return_of(ctx, filing_id, round_)
    stored = documents.kept(ctx, FilingReturn, returned.id, "notice",
                            lambda c: service.notice_content(c, filing, returned))
    return Notice(filing.id, returned.round, stored["enterprise_name"], stored["title"],
                  date.fromisoformat(stored["received_on"]) if stored["received_on"] else None, stored["bureau_name"],
                  date.fromisoformat(stored["returned_on"]), tuple(tuple(i) for i in stored["items"]),
                  stored["comment"])


def stored_pdf(ctx: ServiceContext, filing_id: int, round_: int) -> tuple[Notice, StoredFile]:
    """The notice and its PDF as kept (rendered on first request)."""
    n = notice(ctx, filing_id, round_)
    _, returned = _return_of(ctx, filing_id, round_)
    return n, documents.stored_copy(ctx, FilingReturn, returned.id, "notice_file_id", lambda: render_pdf(n, ctx.house.config.get("PDF_FONT")),
                                    n.download_name)


def render_pdf(n: Notice, font: str | None = None) -> bytes:
    """The notice on A4: addressee, the opening citing 第二十八条, the numbered list, the
    bureau's 落款 and the date of the return."""
    from fpdf import FontFace
    from fpdf.enums import WrapMode

    pdf, strong = document(f"{TITLE}（{n.enterprise_name}）", n.title, n.bureau_name, font)
    pdf.set_font("serif", strong, 18)
    pdf.multi_cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("serif", "", 12)
    pdf.multi_cell(0, 8, f"{n.enterprise_name}：", new_x="LMARGIN", new_y="NEXT")
    paragraph(pdf, n.opening)
    pdf.ln(2)
    cols = (14, 50, 106)
    pdf.set_font("serif", "", 11)
    head = FontFace(emphasis="BOLD" if strong else None)
    with pdf.table(col_widths=cols, text_align="LEFT", line_height=6.5, padding=(2, 2.5),
                   wrapmode=WrapMode.CHAR, headings_style=head) as table:
        r = table.row()
        for h in ("序号", "需补齐的材料", "问题说明"):
            r.cell(h, align="C")
        for i, (label, note) in enumerate(n.items, 1):
            r = table.row()
            r.cell(str(i), align="C")
            r.cell(wrap(pdf, label, cols[1] - 5))
            r.cell(wrap(pdf, note, cols[2] - 5))
    pdf.ln(3)
    if n.comment:
        paragraph(pdf, f"其他意见：{n.comment}")
    paragraph(pdf, n.closing)
    signature(pdf, f"{n.bureau_name}（公章）", n.returned_on)
    return bytes(pdf.output())
