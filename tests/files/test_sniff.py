"""Content detection, independent of the app: the bytes decide, the name must agree."""
from __future__ import annotations

import io
import random
import struct
import time
import zlib

import pytest

from core.errors import ValidationFailed
from core.files import sniff as sn
from core.files.service import clean_name, human_size
from tests.files import samples


def check(data: bytes, name: str, allowed=None) -> sn.Sniffed:  # noqa: ANN001
    return sn.sniff(io.BytesIO(data), name, allowed)


def refused(data: bytes, name: str, allowed=None, **kw) -> str:  # noqa: ANN001
    with pytest.raises(ValidationFailed) as e:
        sn.sniff(io.BytesIO(data), name, allowed, **kw)
    assert e.value.errors["file"] == [e.value.message]
    return e.value.message


@pytest.mark.parametrize(("data", "name", "kind", "ctype"), [
    (samples.pdf(), "应急预案（2024版）.pdf", "pdf", "application/pdf"),
    (samples.png(), "现场照片.PNG", "png", "image/png"),
    (samples.jpeg(), "整改后.jpeg", "jpg", "image/jpeg"),
    (samples.jpeg(), "整改前.jpg", "jpg", "image/jpeg"),
    (samples.xlsx(), "隐患台账.xlsx", "xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (samples.docx(), "预案.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.pdf(), "无扩展名的文件", "pdf", "application/pdf"),
    (samples.pdf(), "检查记录 2024.03.15", "pdf", "application/pdf"),
], ids=["pdf", "png", "jpeg", "jpg", "xlsx", "docx", "no-ext", "dotted"])
def test_accepted_types(data: bytes, name: str, kind: str, ctype: str) -> None:
    got = check(data, name)
    assert (got.kind, got.content_type) == (kind, ctype)
    assert got.extension == sn.KINDS[kind].extension


@pytest.mark.parametrize(("data", "name"), [
    ("这是一段文字，并不是PDF。".encode(), "报告.pdf"),
    (samples.EXE, "setup.exe"),
    (samples.plain_zip(), "资料.zip"),
    (samples.plain_zip(), "资料.docx"),
    (b"", "empty.pdf"),
    (b"<html><script>alert(1)</script></html>", "page.png"),
], ids=["text", "exe", "zip", "zip-as-docx", "empty", "html"])
def test_other_content_is_refused_in_chinese(data: bytes, name: str) -> None:
    msg = refused(data, name)
    assert f"文件“{name}”的内容不是允许的类型" in msg
    assert "允许：PDF、Word(DOCX)、Excel(XLSX)、JPG、PNG" in msg


def test_extension_contradicting_content_names_both() -> None:
    msg = refused(samples.png(), "报告.pdf")
    assert "报告.pdf" in msg and ".pdf" in msg and "PNG 图片" in msg and ".png" in msg
    msg = refused(samples.xlsx(), "预案.docx")
    assert ".docx" in msg and "Excel(XLSX)" in msg
    # An unknown but real-looking extension contradicts as well.
    assert "PDF 文档" in refused(samples.pdf(), "说明.txt")


@pytest.mark.parametrize(("data", "name"), [
    (samples.OLE2_DOC, "旧预案.doc"),
    (samples.OLE2_DOC, "旧台账.xls"),
    (samples.OLE2_DOC, "改了扩展名.xlsx"),
    (b"plain text saved as doc", "旧预案.doc"),
], ids=["doc", "xls", "xls-as-xlsx", "text-as-doc"])
def test_legacy_office_formats_are_refused_with_advice(data: bytes, name: str) -> None:
    msg = refused(data, name)
    assert "旧版" in msg and "另存为 DOCX 或 XLSX" in msg


def test_allowed_kinds_narrow_the_choice() -> None:
    assert check(samples.xlsx(), "台账.xlsx", {"xlsx"}).kind == "xlsx"
    msg = refused(samples.pdf(), "台账.pdf", {"xlsx"})
    assert "PDF" in msg and "只允许上传：Excel(XLSX)" in msg
    msg = refused(b"hello", "a.txt", {"jpg", "png"})
    assert "允许：JPG、PNG" in msg


def test_zip_bomb_is_refused_from_the_directory_alone() -> None:
    bomb = samples.zip_bomb()
    assert len(bomb) < 1024 * 1024  # 50 MB of zeros, small on disk
    started = time.perf_counter()
    msg = refused(bomb, "应急预案.docx")
    # Reading the directory takes milliseconds; inflating 50 MB would not.
    assert time.perf_counter() - started < 0.5
    assert "压缩比异常" in msg and "word/media/image1.png" in msg


def test_declared_total_size_limit() -> None:
    # Three 1 MB parts of varied bytes: no ratio alarm, but 3 MB above a 2 MB limit.
    import random
    import zipfile
    rnd = random.Random(1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", samples.CONTENT_TYPES)
        z.writestr("word/document.xml", samples.document_xml())
        for i in range(3):
            z.writestr(f"word/media/{i}.bin", rnd.randbytes(1024 * 1024))
    data = buf.getvalue()
    assert check(data, "a.docx").kind == "docx"
    limits = sn.ZipLimits(max_total=2 * 1024 * 1024)
    assert "解压后总大小超过 2 MB" in refused(data, "a.docx", limits=limits)


def test_too_many_entries() -> None:
    assert check(samples.many_entries(10), "a.docx").kind == "docx"
    msg = refused(samples.many_entries(sn.ZipLimits().max_entries), "a.docx")
    assert "部件过多" in msg and "上限 5000 个" in msg


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/cron.d/x", "word/../../x.xml",
                                 "C:/Windows/x.dll", "..\\..\\x.bat"], ids=range(5))
def test_traversal_and_absolute_names(bad: str) -> None:
    msg = refused(samples.docx(extra={bad: "x"}), "a.docx")
    assert "不安全的路径" in msg


def test_directory_larger_than_its_declared_count() -> None:
    """zipfile walks the directory by size; a directory far larger than the entry limit
    allows is refused even when the record claims few entries."""
    import struct
    data = bytearray(samples.many_entries(600))
    pos = data.rfind(b"PK\x05\x06")
    data[pos + 8:pos + 12] = struct.pack("<HH", 3, 3)  # lie: three entries
    limits = sn.ZipLimits(max_entries=50)  # 50 * 512 bytes < 600 directory entries
    assert "压缩目录异常庞大" in refused(bytes(data), "a.docx", limits=limits)


def test_macro_enabled_documents() -> None:
    msg = refused(samples.docx(extra={"word/vbaProject.bin": b"\x00" * 64}), "预案.docx")
    assert "宏" in msg


def test_encrypted_entry() -> None:
    data = samples.with_encrypted_flag(samples.docx(), "word/document.xml")
    assert "加密" in refused(data, "a.docx")


def test_truncated_zip() -> None:
    data = samples.docx()
    assert "已损坏" in refused(data[: len(data) // 2], "a.docx")


def test_xlsx_with_its_real_parts() -> None:
    import zipfile
    names = zipfile.ZipFile(io.BytesIO(samples.xlsx())).namelist()
    assert "xl/workbook.xml" in names and "[Content_Types].xml" in names


# ---------------------------------------------------------------- structure behind the signature

def broken(data: bytes, name: str) -> str:
    msg = refused(data, name)
    assert "（结构不完整），请上传原始文件" in msg and f"文件“{name}”不是有效的" in msg
    return msg


def segment(marker: int, body: bytes) -> bytes:
    """One JPEG marker segment."""
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def pillow(fmt: str, size: tuple[int, int] = (64, 48), **kw) -> bytes:  # noqa: ANN003
    from PIL import Image
    im = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def linearised_pdf() -> bytes:
    """Laid out as `qpdf --linearize` writes it: the linearisation dictionary and the
    first-page xref at the head, that section's trailer ending "startxref 0 %%EOF", and a
    main xref at the end whose startxref points back to the head."""
    stream = b"BT /F1 12 Tf 72 720 Td (linearised) Tj ET"
    bodies = {
        2: b"<< /Type /Catalog /Pages 5 0 R >>",
        3: b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
           b"/Resources << /Font << /F1 6 0 R >> >> >>",
        4: b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        5: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    lin = b"1 0 obj\n<< /Linearized 1 /L %010d /H [0 0] /O 3 /E 0 /N 1 /T 0 >>\nendobj\n"
    first_xref = len(head) + len(lin % 0)
    first = b"xref\n1 6\n%s" + b"trailer\n<< /Size 7 /Root 2 0 R /Prev %010d >>\nstartxref\n0\n%%%%EOF\n"
    pos = first_xref + len(first % (b"x" * 20 * 6, 0))
    offsets, objects = [len(head)], b""
    for n, body in bodies.items():
        offsets.append(pos + len(objects))
        objects += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    main_xref = pos + len(objects)
    entries = b"".join(b"%010d 00000 n \n" % off for off in offsets)
    tail = (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 7 >>\nstartxref\n%d\n%%%%EOF\n" % first_xref)
    total = main_xref + len(tail)
    return head + lin % total + first % (entries, main_xref) + objects + tail


def xref_stream_pdf() -> bytes:
    """PDF 1.5 style: no xref table and no "trailer", the cross-reference is an object."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate([b"<< /Type /Catalog /Pages 2 0 R >>",
                              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"], 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    rows = [(0, 0, 255)] + [(1, off, 0) for off in offsets] + [(1, xref, 0)]
    data = zlib.compress(b"".join(struct.pack(">BIB", *row) for row in rows))
    out += (b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % len(data) + data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def big_first_object_pdf() -> bytes:
    """A 100 KB image-like stream first and 300 objects after it: neither the head nor the
    tail (all xref table) holds an `endobj`; the bytes before the xref do."""
    scan = random.Random(3).randbytes(100 * 1024)
    objects = [b"<< /Length %d >>\nstream\n" % len(scan) + scan + b"\nendstream",
               b"<< /Type /Catalog /Pages 3 0 R >>",
               b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>"]
    objects += [b"<< /N %d >>" % i for i in range(300)]
    return samples.pdf_from(objects, root=2)


def real_pdf(data: bytes) -> bytes:
    """The builders above make files a strict reader opens, so acceptance means something."""
    from pypdf import PdfReader
    assert len(PdfReader(io.BytesIO(data), strict=True).pages) >= 1
    return data


@pytest.mark.parametrize("maker", [
    samples.pdf, lambda: samples.big_pdf(5000), samples.fpdf2_pdf, lambda: samples.fpdf2_pdf(pages=40),
    lambda: samples.incremental_update(samples.fpdf2_pdf()),
    lambda: samples.incremental_update(samples.incremental_update(samples.pdf()), "Second edit"),
    linearised_pdf, xref_stream_pdf, big_first_object_pdf,
    lambda: samples.pdf() + b"\r\n" + b"\x00" * 1500,  # padding after %%EOF
], ids=["sample", "big-sample", "fpdf2", "fpdf2-40-pages", "incremental", "incremental-twice",
        "linearised", "xref-stream", "big-first-object", "trailing-padding"])
def test_whole_pdfs_are_accepted(maker) -> None:  # noqa: ANN001
    data = real_pdf(maker())
    assert check(data, "应急预案.pdf").kind == "pdf"


def test_the_shell_script_behind_a_pdf_header_is_refused() -> None:
    data = samples.SHELL_AS_PDF
    assert len(data) == 27
    assert broken(data, "风险评估结果.pdf") == "文件“风险评估结果.pdf”不是有效的 PDF 文档（结构不完整），请上传原始文件"
    # Whatever the name: the content claims PDF and is not one.
    assert "不是有效的 PDF 文档" in refused(data, "run.sh")


def _cuts(data: bytes) -> list[bytes]:
    return [data[:n] for n in (len(data) // 3, len(data) // 2, len(data) * 2 // 3, len(data) - 2)]


@pytest.mark.parametrize(("data", "name"), [
    *[(d, "截断.pdf") for d in _cuts(samples.pdf())],
    *[(d, "截断.pdf") for d in _cuts(samples.fpdf2_pdf(pages=3))],
    *[(d, "截断.pdf") for d in _cuts(samples.incremental_update(samples.pdf()))[:2]],
    *[(d, "截断.png") for d in _cuts(samples.png(16, 16))],
    *[(d, "截断.jpg") for d in _cuts(samples.jpeg())],
    *[(d, "截断.jpg") for d in _cuts(pillow("JPEG", (256, 256)))],
])
def test_truncated_files_are_refused(data: bytes, name: str) -> None:
    broken(data, name)


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%%EOF\n",
    b"%PDF-1.7\nstartxref\n9\n%%EOF\n",                                   # no object at all
    b"%PDF-1.7\n1 0 obj\n<< >>\nstartxref\n9\n%%EOF\n",                   # object never closed
    samples.pdf().replace(b"startxref\n", b"startxref\n99999"),           # xref beyond the end
    samples.pdf().replace(b"startxref\n", b"startxref\nend "),            # no number
    samples.pdf() + samples.plain_zip() + random.Random(2).randbytes(3000),  # a payload after %%EOF
], ids=["eof-only", "no-object", "unclosed", "xref-beyond-end", "no-number", "appended-payload"])
def test_pdf_markers_without_a_document_are_refused(data: bytes) -> None:
    broken(data, "报告.pdf")


def test_pdf_digit_runs_do_not_stall_the_check() -> None:
    """The object pattern has bounded repeats: 10 MB of digits are refused at once."""
    started = time.perf_counter()
    broken(b"%PDF-1.4\n" + b"1 " * 5_000_000 + b"startxref\n9\n%%EOF", "a.pdf")
    broken(b"%PDF-1.4\n" + b"7" * 10_000_000 + b"\nstartxref\n9\n%%EOF", "a.pdf")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("data", [
    samples.png(), samples.png(40, 30, seed=5), pillow("PNG"), pillow("PNG", (300, 200), optimize=True),
], ids=["sample", "sample-40x30", "pillow", "pillow-optimised"])
def test_whole_pngs_are_accepted(data: bytes) -> None:
    from PIL import Image
    Image.open(io.BytesIO(data)).load()
    assert check(data, "现场照片.png").kind == "png"


def _png_parts() -> tuple[bytes, bytes, bytes]:
    data = samples.png()
    return data[:8], data[8:33], data[33:]


def _png_bad_ihdr_length() -> bytes:
    sig, _ihdr, rest = _png_parts()
    return sig + png_chunk(b"IHDR", struct.pack(">IIBBBBBB", 2, 2, 8, 2, 0, 0, 0, 0)) + rest


def _png_text_first() -> bytes:
    sig, ihdr, rest = _png_parts()
    return sig + png_chunk(b"tEXt", b"Comment\x00x") + ihdr + rest


def _png_bad_crc() -> bytes:
    sig, ihdr, rest = _png_parts()
    return sig + ihdr[:-1] + bytes([ihdr[-1] ^ 1]) + rest


def _png_zero_width() -> bytes:
    sig, _ihdr, rest = _png_parts()
    return sig + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 2, 8, 2, 0, 0, 0)) + rest


@pytest.mark.parametrize("data", [
    _png_bad_ihdr_length(), _png_text_first(), _png_bad_crc(), _png_zero_width(),
    samples.png()[:-12],                         # no IEND
    samples.png() + b"#!/bin/sh\necho hi\n",     # a payload after IEND
    samples.png() + samples.plain_zip(),         # PNG + ZIP polyglot
    b"\x89PNG\r\n\x1a\n",
], ids=["ihdr-length", "ihdr-not-first", "ihdr-crc", "zero-width", "no-iend", "script-after",
        "zip-after", "signature-only"])
def test_malformed_pngs_are_refused(data: bytes) -> None:
    assert "不是有效的 PNG 图片" in broken(data, "现场照片.png")


def _jpeg_with_fill_bytes() -> bytes:
    data = samples.jpeg()
    i = data.index(b"\xff\xc0")
    return data[:i] + b"\xff\xff\xff" + data[i:]  # fill bytes before a marker are allowed


def _jpeg_many_app_segments() -> bytes:
    data = samples.jpeg()
    return data[:2] + segment(0xE2, b"ICC_PROFILE\x00" + b"\x00" * 60000) * 5 + data[2:]


@pytest.mark.parametrize("data", [
    samples.jpeg(), samples.jpeg("整改后现场"), samples.jpeg() + b"\x00" * 1000, _jpeg_with_fill_bytes(),
    _jpeg_many_app_segments(), pillow("JPEG"),
    pillow("JPEG", (320, 240), progressive=True, exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + b"\x00" * 6),
    pillow("JPEG", (64, 64), icc_profile=b"\x00" * 150_000),  # ICC split over three APP2 segments
], ids=["sample", "sample-comment", "padding", "fill-bytes", "app-segments", "pillow", "pillow-progressive",
        "pillow-icc"])
def test_whole_jpegs_are_accepted(data: bytes) -> None:
    from PIL import Image
    Image.open(io.BytesIO(data)).load()
    assert check(data, "整改照片.jpg").kind == "jpg"


_SCAN = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f"


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xd9",
    b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00") + b"\xff\xd9",
    b"\xff\xd8" + segment(0xE0, b"JFIF\x00") + _SCAN + b"\xff\xd9",                 # scan without a frame
    b"\xff\xd8" + segment(0xE1, b"Exif\x00\x00" + samples.jpeg()) + _SCAN + b"\xff\xd9",  # only the thumbnail has one
    b"\xff\xd8" + segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 16) + _SCAN + b"\xff\xd9",  # DHT is not a frame
    samples.jpeg().replace(b"\xff\xc0\x00\x0b", b"\xff\xc0\x00\x0c"),                 # frame length wrong
    samples.jpeg()[:-2] + b"\x00" * 3000,                                            # EOI missing
    b"\xff\xd8\xff\xe0" + b"#!/bin/sh\necho hi\n" + b"\xff\xd9",
], ids=["soi-eoi", "app0-only", "no-frame", "thumbnail-frame", "dht", "frame-length", "no-eoi", "script"])
def test_malformed_jpegs_are_refused(data: bytes) -> None:
    assert "不是有效的 JPG 图片" in broken(data, "整改照片.jpg")


class CountingReads(io.BytesIO):
    read_total = 0

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        self.read_total += len(data)
        return data


@pytest.mark.parametrize(("data", "name"), [
    (samples.big_pdf(20 * 1024 * 1024), "大文件.pdf"),
    (samples.jpeg()[:2] + segment(0xE1, b"\x00" * 65000) * 330 + samples.jpeg()[2:], "大图.jpg"),
], ids=["pdf", "jpeg"])
def test_only_head_and_tail_are_read(data: bytes, name: str) -> None:
    """Uploads reach 20 MB and this runs on each: the check reads a bounded part."""
    f = CountingReads(data)
    assert len(data) > 20 * 1024 * 1024
    sn.sniff(f, name)
    assert f.read_total < 128 * 1024


def test_office_documents_need_their_main_part() -> None:
    import zipfile
    for parts in ({"[Content_Types].xml": samples.CONTENT_TYPES, "_rels/.rels": samples.RELS},
                  {"_rels/.rels": samples.RELS, "word/document.xml": samples.document_xml()},
                  {"[Content_Types].xml": samples.CONTENT_TYPES, "word/styles.xml": "<w:styles/>"}):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, text in parts.items():
                z.writestr(name, text)
        assert "的内容不是允许的类型" in refused(buf.getvalue(), "预案.docx")


@pytest.mark.parametrize(("raw", "clean"), [
    ("应急预案（2024版）.pdf", "应急预案（2024版）.pdf"),
    ("C:\\Users\\张三\\Desktop\\台账.xlsx", "台账.xlsx"),
    ("../../etc/passwd", "passwd"),
    ("报告\u202egpj.exe", "报告gpj.exe"),
    ("a\x00b\r\n.pdf", "ab.pdf"),
    ("  .hidden.pdf ", "hidden.pdf"),
    ('评审"意见"<终稿>.docx', "评审_意见__终稿_.docx"),
    ("..", ""),
], ids=range(8))
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_clean_name_keeps_extension_when_shortening() -> None:
    name = clean_name("很" * 300 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_human_size() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 20 * 1024 * 1024)] == \
        ["0 B", "1023 B", "1 KB", "1.5 KB", "20 MB"]
