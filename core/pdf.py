"""Printable official documents as PDF (备案登记表, 补正告知书): a CJK font from Debian's
packages, Chinese line breaking, the 落款 (issuing body and date) and the diagonal stamp of
a document that is no longer valid. Each document module lays out its own content."""
from __future__ import annotations

import os
from datetime import date
from functools import lru_cache

from core.errors import Unavailable

DEFAULT_FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                 "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NO_FONT = "服务器未安装中文字体（fonts-noto-cjk），无法生成PDF；请联系管理员"
RED = (190, 20, 20)
# Chinese line-breaking rules (禁则): these never start a line, these never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』〕】”’%")
NO_LINE_END = frozenset("（《「『〔【“‘")

Face = tuple[str, int]  # font file, face index inside a collection
_faces_cache: dict[str | None, tuple[Face, Face | None]] = {}


def cn_date(d: date | None) -> str:
    """2026年3月9日, as official documents write dates."""
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


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


def document(title: str, subject: str, author: str, font: str | None = None):  # noqa: ANN201
    """An A4 portrait FPDF with the "serif" CJK family (regular, bold when installed) and
    the document's metadata. Returns (pdf, bold style: "B" or "")."""
    from fpdf import FPDF

    faces = font_faces(font)
    if faces is None:
        raise Unavailable(NO_FONT)
    (regular, regular_no), bold = faces
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("serif", "", regular, collection_font_number=regular_no)
    if bold:
        pdf.add_font("serif", "B", bold[0], collection_font_number=bold[1])
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_author(author)
    pdf.set_creator("安监")
    pdf.set_lang("zh-CN")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    return pdf, "B" if bold else ""


def wrap(pdf, text: str, width: float) -> str:  # noqa: ANN001
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


def paragraph(pdf, text: str, *, size: float = 12, line: float = 8, indent: bool = True) -> None:  # noqa: ANN001
    """A body paragraph, first line indented two characters as official documents are."""
    pdf.set_font("serif", "", size)
    width = pdf.w - pdf.l_margin - pdf.r_margin - 2 * pdf.c_margin - 0.5  # multi_cell keeps a cell margin
    body = ("\u3000\u3000" if indent else "") + text
    pdf.multi_cell(0, line, wrap(pdf, body, width), new_x="LMARGIN", new_y="NEXT")


def signature(pdf, issuer: str, on: date | None, label: str | None = None) -> None:  # noqa: ANN001
    """The 落款, right-aligned: the line the seal goes on (e.g. "备案部门（公章）"), the
    issuing body and the date."""
    pdf.ln(10)
    for line in ((label,) if label else ()) + (issuer, cn_date(on)):
        pdf.cell(0, 8, line, align="R", new_x="LMARGIN", new_y="NEXT")


def notice_box(pdf, text: str, style: str) -> None:  # noqa: ANN001
    """A red framed notice (e.g. "本登记表已失效…") across the text width."""
    with pdf.local_context(text_color=RED, draw_color=RED, line_width=0.6):
        pdf.set_font("serif", style, 11)
        pdf.multi_cell(0, 7, text, border=1, align="L", padding=(2, 3), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", 11)
    pdf.ln(3)


def stamp(pdf, text: str, style: str, end_y: float) -> None:  # noqa: ANN001
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


@lru_cache(maxsize=64)
def demo_pdf(title: str, font: str | None = None) -> bytes:
    """A one-page PDF named after the document (in Chinese when a CJK font is installed)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    faces = font_faces(font)
    if faces:
        (path, index), _bold = faces
        pdf.add_font("cjk", "", path, collection_font_number=index)
        pdf.set_font("cjk", size=18)
        pdf.multi_cell(0, 12, f"{title}\n（演示文件）")
    else:
        pdf.set_font("Helvetica", size=18)
        pdf.multi_cell(0, 12, "Demo document")
    return bytes(pdf.output())
