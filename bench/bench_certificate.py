"""Time to render one 备案登记表 and one 补正告知书 PDF, against the floor measured in the same
run: an fpdf2 document with the same CJK faces (regular and bold) and one line of text in
each, so the ratio shows what the layout adds over loading and subsetting the font. A kept
document is rendered once (first download) and then read back from the file store, which
the last line measures.

    python bench/bench_certificate.py
"""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from bench_scoping import timed
from fpdf import FPDF

from core.filings.review.certificate import Certificate, render_pdf
from core.filings.review.notice import Notice
from core.filings.review.notice import render_pdf as render_notice
from core.pdf import font_faces

CERT = Certificate(
    filing_id=1, filing_no="乌应急备〔2026〕第012号", bureau_name="乌审旗应急管理局",
    enterprise_name="乌审旗宏达甲醇有限责任公司", address="内蒙古鄂尔多斯市乌审旗图克工业园区纬三路8号",
    postal_code="017300", legal_representative="王建国", handler="宏达甲醇安全员", phone="0477-7512301",
    fax="0477-7512302", title="乌审旗宏达甲醇有限责任公司生产安全事故应急预案", filed_on=date(2026, 3, 24),
    deemed=False)
NOTICE = Notice(1, 1, "乌审旗宏达甲醇有限责任公司", "乌审旗宏达甲醇有限责任公司生产安全事故应急预案", date(2026, 3, 23),
                "乌审旗应急管理局", date(2026, 3, 24),
                (("风险评估结果", "缺少重大危险源辨识清单"), ("应急资源调查清单", "未列明消防车辆与应急物资的存放地点"),
                 ("应急预案评审或论证意见", "评审意见缺少专家签字")), "请一次性补正后重新报送")


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
            pdf.cell(text="应急预案备案登记表")
        return bytes(pdf.output())

    data = render_pdf(CERT, regular)
    floor_ms = timed(floor, repeat=5)
    cert_ms = timed(lambda: render_pdf(CERT, regular), repeat=5)
    notice_ms = timed(lambda: render_notice(NOTICE, regular), repeat=5)
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "kept.pdf"
        kept.write_bytes(data)
        read_ms = timed(kept.read_bytes, repeat=15)
    print(f"font {regular} (face {regular_no}){' + bold' if bold else ''}; certificate {len(data):,} bytes")
    print(f"  one certificate   floor {floor_ms:7.1f} ms   render_pdf {cert_ms:7.1f} ms   ratio {cert_ms / floor_ms:4.2f}")
    print(f"  one notice        floor {floor_ms:7.1f} ms   render_pdf {notice_ms:7.1f} ms   ratio {notice_ms / floor_ms:4.2f}")
    print(f"  kept copy         read  {read_ms:7.2f} ms   ({cert_ms / read_ms:,.0f}× cheaper than rendering)")


if __name__ == "__main__":
    main()
