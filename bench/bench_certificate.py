"""Time to render one 备案登记表 PDF, against the floor measured in the same run: an fpdf2
document with the same CJK faces (regular and bold) and one line of text in each, so the
ratio shows what the form's layout adds over loading and subsetting the font.

    python bench/bench_certificate.py
"""
from __future__ import annotations

from datetime import date

from bench_scoping import timed
from fpdf import FPDF

from core.filings.certificate import Certificate, font_faces, render_pdf

CERT = Certificate(
    filing_id=1, filing_no="乌应急备〔2026〕第012号", bureau_name="乌审旗应急管理局",
    enterprise_name="乌审旗宏达甲醇有限责任公司", uscc="91150626MA0N1H2K5G", principal="王建国",
    address="内蒙古鄂尔多斯市乌审旗图克工业园区纬三路8号", industry="危险化学品生产",
    title="乌审旗宏达甲醇有限责任公司生产安全事故应急预案", published_on=date(2026, 3, 2),
    received_on=date(2026, 3, 23), filed_on=date(2026, 3, 24), deemed=False,
    materials=(("应急预案备案申报表", ("申报表",)), ("综合应急预案", ("综合应急预案",)),
               ("专项应急预案", ("危险化学品泄漏专项应急预案", "火灾爆炸专项应急预案")),
               ("现场处置方案", ("甲醇储罐泄漏现场处置方案", "装卸区火灾现场处置方案", "液氨泄漏现场处置方案")),
               ("应急预案评审或论证意见", ("专家评审意见",)), ("风险评估结果", ("风险评估报告",)),
               ("应急资源调查清单", ("应急资源调查清单",))))


def main() -> None:
    faces = font_faces(None)
    if faces is None:
        print("no CJK font installed (fonts-noto-cjk): nothing to measure")
        return
    (regular, regular_no), bold = faces

    def floor() -> bytes:
        pdf = FPDF()
        pdf.add_font("serif", "", regular, collection_font_number=regular_no)
        if bold:
            pdf.add_font("serif", "B", bold[0], collection_font_number=bold[1])
        pdf.add_page()
        pdf.set_font("serif", size=12)
        pdf.cell(text=CERT.enterprise_name + CERT.title)
        if bold:
            pdf.set_font("serif", "B", size=16)
            pdf.cell(text="生产经营单位生产安全事故应急预案备案登记表")
        return bytes(pdf.output())

    size = len(render_pdf(CERT, regular))
    floor_ms = timed(floor, repeat=5)
    cert_ms = timed(lambda: render_pdf(CERT, regular), repeat=5)
    print(f"font {regular} (face {regular_no}){' + bold' if bold else ''}; certificate {size:,} bytes")
    print(f"  one certificate   floor {floor_ms:7.1f} ms   render_pdf {cert_ms:7.1f} ms   ratio {cert_ms / floor_ms:4.2f}")


if __name__ == "__main__":
    main()
