"""The 备案登记表 (filing registration certificate) of a filed plan set: what it says
(`certificate`) and the printable PDF (`render_pdf`). The HTML page prints the same
Certificate, so the two never disagree.

第二十八条 of 《生产安全事故应急预案管理办法》: the bureau files complete materials within
5 working days and issues this form; if it neither files nor explains, the plan is deemed
filed (逾期视为备案), and the form says so instead of claiming a review took place.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.context import ServiceContext
from core.errors import Conflict, Unavailable
from core.files.service import clean_name
from core.filings import rules, service
from core.filings.models import FILED_STATES, Filing

TITLE = "生产经营单位生产安全事故应急预案备案登记表"
ACCEPTED_OPINION = "经形式审查，材料齐全，予以备案。"
DEEMED_OPINION = ("备案机关自收到备案材料之日起5个工作日内未予备案，也未说明理由，依照《生产安全事故应急预案"
                  "管理办法》第二十八条，视为已经备案。")
DEFAULT_FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                 "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NO_FONT = "服务器未安装中文字体（fonts-noto-cjk），无法生成PDF；请联系管理员"
RED = (190, 20, 20)
# Chinese line-breaking rules (禁则): these never start a line, these never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』〕】”’%")
NO_LINE_END = frozenset("（《「『〔【“‘")
COLS = (40, 50, 28, 52)
PAD = 2.5
# fpdf2 cannot split a table row across pages: a long materials list goes in rows of this many lines.
ROW_LINES = 15


def cn_date(d: date | None) -> str:
    """2026年3月9日, as official documents write dates."""
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


@dataclass(frozen=True)
class Superseded:
    """The re-filed version (第三十七条) that replaced this one, if it is visible."""

    filing_id: int | None
    filing_no: str | None
    on: date | None


@dataclass(frozen=True)
class Certificate:
    filing_id: int
    filing_no: str
    bureau_name: str
    enterprise_name: str
    uscc: str
    principal: str
    address: str
    industry: str
    title: str
    published_on: date
    received_on: date | None
    filed_on: date | None
    deemed: bool
    # ((material label, (document names…)), …) in checklist order.
    materials: tuple[tuple[str, tuple[str, ...]], ...]
    superseded: Superseded | None = None

    @property
    def how_filed(self) -> str:
        return "逾期视为备案" if self.deemed else "准予备案"

    @property
    def opinion(self) -> str:
        return DEEMED_OPINION if self.deemed else ACCEPTED_OPINION

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
        return clean_name(f"备案登记表-{self.filing_no}.pdf")


def certificate(ctx: ServiceContext, filing_id: int) -> Certificate:
    """What the 备案登记表 of a visible filing prints; Conflict while it has no 备案编号."""
    filing = service.get_filing(ctx, filing_id)
    if not filing.filing_no:
        raise Conflict("该备案尚未取得备案编号，没有备案登记表")
    grouped: dict[str, list[str]] = {}
    for m in service.materials_of(ctx, filing):
        grouped.setdefault(m.material, []).append(m.name or m.file.original_name)
    materials = tuple((label, tuple(grouped[key])) for key, label in rules.MATERIALS.items() if key in grouped)
    ent = filing.tenant
    # How it was filed is read from the stamps, not the status: a superseded filing keeps them.
    deemed = filing.accepted_on is None and filing.deemed_on is not None
    return Certificate(
        filing_id=filing.id, filing_no=filing.filing_no, bureau_name=service.bureau_name(ctx, filing),
        enterprise_name=ent.name, uscc=ent.uscc or "", principal=ent.principal or "", address=ent.address or "",
        industry=ent.industry_label, title=filing.title, published_on=filing.published_on,
        received_on=filing.received_on, filed_on=filing.accepted_on or filing.deemed_on, deemed=deemed,
        materials=materials, superseded=_superseded(ctx, filing))


def _superseded(ctx: ServiceContext, filing: Filing) -> Superseded | None:
    if filing.status != "superseded":
        return None
    # The replacement may itself have been superseded since: it still was the one filed then.
    new = ctx.session.scalar(select(Filing).where(Filing.supersedes_id == filing.id,
                                                  Filing.status.in_((*FILED_STATES, "superseded")))
                             .order_by(Filing.id.desc()).limit(1))
    return Superseded(new.id if new else None, new.filing_no if new else None, filing.superseded_on)


# ---------------------------------------------------------------------------- the PDF

Face = tuple[str, int]  # font file, face index inside a collection
_faces_cache: dict[str | None, tuple[Face, Face | None]] = {}


def font_faces(configured: str | None) -> tuple[Face, Face | None] | None:
    """(regular, bold or None) Simplified Chinese faces: the configured font, or the first
    Noto CJK font installed. Found faces are cached (reading a .ttc's names takes a while);
    a miss is not, so installing fonts-noto-cjk helps without a restart."""
    cached = _faces_cache.get(configured)
    if cached and os.path.isfile(cached[0][0]):
        return cached
    regular = next((p for p in ((configured,) if configured else DEFAULT_FONTS) if os.path.isfile(p)), None)
    if regular is None:
        return None
    head, tail = os.path.split(regular)
    bold = os.path.join(head, tail.replace("Regular", "Bold"))
    faces = ((regular, _sc_face(regular)),
             (bold, _sc_face(bold)) if bold != regular and os.path.isfile(bold) else None)
    _faces_cache[configured] = faces
    return faces


def _sc_face(path: str) -> int:
    """Index of the Simplified Chinese face in a collection: Noto's .ttc files hold JP, KR,
    SC, TC and HK, whose glyphs for the same code points differ."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection
    with TTCollection(path, lazy=True) as collection:
        for i, font in enumerate(collection.fonts):
            if (font["name"].getDebugName(1) or "").endswith((" SC", " CN")):
                return i
    return 0


def render_pdf(cert: Certificate, font: str | None = None) -> bytes:
    """The certificate as an A4 form. `font`: a CJK font file (default: ANJIAN_PDF_FONT)."""
    from flask import current_app
    from fpdf import FPDF, FontFace
    from fpdf.enums import WrapMode

    faces = font_faces(font or current_app.config.get("PDF_FONT"))
    if faces is None:
        raise Unavailable(NO_FONT)
    (regular, regular_no), bold = faces
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("serif", "", regular, collection_font_number=regular_no)
    if bold:
        pdf.add_font("serif", "B", bold[0], collection_font_number=bold[1])
    strong = "B" if bold else ""
    pdf.set_title(f"{TITLE}（{cert.filing_no}）")
    pdf.set_subject(f"{cert.enterprise_name}：{cert.title}")
    pdf.set_author(cert.bureau_name)
    pdf.set_creator("安监")
    pdf.set_lang("zh-CN")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.set_font("serif", strong, 17)
    pdf.multi_cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("serif", "", 11)
    pdf.cell(0, 7, f"备案编号：{cert.filing_no}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if cert.superseded_notice:
        with pdf.local_context(text_color=RED, draw_color=RED, line_width=0.6):
            pdf.set_font("serif", strong, 11)
            pdf.multi_cell(0, 7, cert.superseded_notice, border=1, align="L", padding=(2, 3),
                           new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("serif", "", 11)
        pdf.ln(3)

    label = FontFace(emphasis="BOLD" if bold else None)
    full = sum(COLS[1:]) - 2 * PAD  # text width of a value spanning the three right-hand columns
    materials = "\n".join(f"{i}. {name}：{'；'.join(docs)}" for i, (name, docs) in enumerate(cert.materials, 1))
    with pdf.table(col_widths=COLS, first_row_as_headings=False, text_align="LEFT", line_height=6.5,
                   padding=(2, PAD), min_row_height=11, wrapmode=WrapMode.CHAR, v_align="MIDDLE") as table:
        def row(*cells: tuple[str, str]) -> None:
            r = table.row()
            for i, (name, value) in enumerate(cells):
                r.cell(name, align="C", style=label)
                width = COLS[2 * i + 1] - 2 * PAD if len(cells) > 1 else full
                r.cell(_wrap(pdf, value or "—", width), colspan=1 if len(cells) > 1 else 3)

        row(("单位名称", cert.enterprise_name))
        row(("统一社会信用代码", cert.uscc), ("主要负责人", cert.principal))
        row(("单位地址", cert.address))
        row(("行业类别", cert.industry), ("公布日期", cn_date(cert.published_on)))
        row(("预案名称", cert.title))
        row(("备案申报日期", cn_date(cert.received_on)), ("备案日期", f"{cn_date(cert.filed_on)}\n（{cert.how_filed}）"))
        lines = _wrap(pdf, materials or "—", full).split("\n")
        for i in range(0, len(lines), ROW_LINES):
            r = table.row()
            r.cell("备案材料" if i == 0 else "备案材料（续）", align="C", style=label)
            r.cell("\n".join(lines[i:i + ROW_LINES]), colspan=3)
        r = table.row()
        r.cell("备案意见", align="C", style=label)
        r.cell(_wrap(pdf, cert.opinion, full), colspan=3, padding=(5, PAD))

    # Signature block: right-aligned like the 落款 of an official document.
    pdf.ln(10)
    pdf.cell(0, 8, f"{cert.bureau_name}（备案机关）", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, cn_date(cert.filed_on), align="R", new_x="LMARGIN", new_y="NEXT")

    if cert.superseded:
        _stamp(pdf, "已被新版本替代", strong, pdf.get_y())
    return bytes(pdf.output())


def _wrap(pdf, text: str, width: float) -> str:  # noqa: ANN001
    """Break `text` into lines of `width` (current font) by character, as Chinese is set,
    keeping to 禁则; fpdf2's own character wrapping would start lines with "；" or "）"."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and pdf.get_string_width(line + ch) > width:
                carry = len(line) > 1 and (ch in NO_LINE_START or line[-1] in NO_LINE_END)
                lines.append(line[:-1] if carry else line)
                line = line[-1] if carry else ""
            line += ch
        lines.append(line)
    return "\n".join(lines)


def _stamp(pdf, text: str, style: str, end_y: float) -> None:  # noqa: ANN001
    """A translucent red diagonal across every page, so a printout cannot pass for valid;
    on a one-page form it is centred on the form rather than on the paper."""
    last = pdf.pages_count
    for page in range(1, last + 1):
        pdf.page = page
        with pdf.local_context(text_color=RED, fill_opacity=0.18):
            pdf.set_font("serif", style, 54)
            x, y = pdf.w / 2, (pdf.t_margin + end_y) / 2 if last == 1 else pdf.h / 2
            with pdf.rotation(35, x=x, y=y):
                pdf.text(x - pdf.get_string_width(text) / 2, y + 54 * 0.35 / 2, text)
