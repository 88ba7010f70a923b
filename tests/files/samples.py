"""Small real files of every accepted type, and some that must be refused."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import xlsxwriter


def pdf(text: str = "Anjian", padding: bytes = b"") -> bytes:
    """A minimal valid one-page PDF with a correct xref table; `padding`, if any, goes into
    an extra stream object, so the file stays whole at any size."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if padding:
        objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    return pdf_from(objects)


def pdf_from(objects: list[bytes], root: int = 1) -> bytes:
    """Objects 1, 2, … in order, a classic xref table and the trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def fpdf2_pdf(text: str = "Anjian", pages: int = 1) -> bytes:
    """A PDF as a real generator writes it (fpdf2: compressed content streams); `text` in
    Latin-1, the built-in font has no CJK."""
    from fpdf import FPDF
    doc = FPDF()
    doc.set_creation_date(datetime(2024, 6, 1, 8, 0, 0, tzinfo=timezone.utc))  # same text, same bytes
    for i in range(pages):
        doc.add_page()
        doc.set_font("helvetica", size=12)
        doc.cell(text=f"{text} {i + 1}")
    return bytes(doc.output())


def incremental_update(data: bytes, title: str = "Revised") -> bytes:
    """`data` with one incremental update appended, as a viewer saves an edit: a new /Info
    object, its xref section and a trailer whose /Prev is the old xref (two %%EOF)."""
    import re
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    obj = len(out)
    out += b"%d 0 obj\n<< /Title (%s) >>\nendobj\n" % (size, title.encode())
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, obj)
    out += (b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (size + 1, root, size, prev, xref))
    return bytes(out)


def big_pdf(size: int) -> bytes:
    """A valid PDF of at least `size` bytes (a few more): incompressible padding in a stream."""
    import random
    overhead = len(pdf(padding=b"x")) - 1
    return pdf(padding=random.Random(size).randbytes(max(size - overhead, 1)))


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A real RGB PNG; `seed` varies the pixels so two images differ."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes((seed + x * 40 + y * 7) % 256 for x in range(width * 3))
                   for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(comment: str = "anjian evidence photo") -> bytes:
    """A real baseline JPEG, 8×8 grey, written segment by segment: JFIF APP0, a comment,
    a quantisation table, the frame (SOF0), one-code Huffman tables, and a scan whose single
    block is all zero (DC difference 0 and end-of-block: bits 00, padded with ones)."""
    def segment(marker: int, body: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xFE, comment.encode())
            + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01" + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f"
            + b"\xff\xd9")


def xlsx(rows: int = 3) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": datetime(2024, 6, 1, 8, 0, 0)})  # same rows, same bytes
    ws = wb.add_worksheet("隐患台账")
    ws.write_row(0, 0, ["序号", "隐患描述", "整改期限"])
    for i in range(1, rows + 1):
        ws.write_row(i, 0, [i, f"第{i}处隐患", "2024-06-30"])
    wb.close()
    return buf.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')


def document_xml(text: str = "生产安全事故应急预案") -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')


def _entry(name: str) -> zipfile.ZipInfo:
    """A fixed timestamp, so the same parts give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2024, 6, 1, 8, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def docx(text: str = "生产安全事故应急预案", extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_entry("[Content_Types].xml"), CONTENT_TYPES)
        z.writestr(_entry("_rels/.rels"), RELS)
        z.writestr(_entry("word/document.xml"), document_xml(text))
        for name, data in (extra or {}).items():
            z.writestr(_entry(name), data)
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not an office document")
    return buf.getvalue()


_BOMB: bytes | None = None


def zip_bomb(mb: int = 50) -> bytes:
    """DOCX-shaped: the right parts plus one entry of `mb` MB of zeros, deflated to ~50 KB.
    Written in chunks so the test never holds the inflated bytes."""
    global _BOMB
    if _BOMB is not None and mb == 50:
        return _BOMB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document_xml())
        block = b"\x00" * (1024 * 1024)
        with z.open("word/media/image1.png", "w") as w:
            for _ in range(mb):
                w.write(block)
    data = buf.getvalue()
    if mb == 50:
        _BOMB = data
    return data


def many_entries(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", document_xml())
        for i in range(n):
            z.writestr(f"word/p{i}.xml", "")
    return buf.getvalue()


def with_encrypted_flag(data: bytes, name: str) -> bytes:
    """Set the "encrypted" bit of `name` in the central directory (zipfile cannot write
    encrypted archives, and the sniffer only reads the directory)."""
    b = bytearray(data)
    needle = name.encode()
    pos = 0
    while True:
        pos = b.find(b"PK\x01\x02", pos)
        assert pos >= 0, name
        (name_len,) = struct.unpack("<H", b[pos + 28:pos + 30])
        if bytes(b[pos + 46:pos + 46 + name_len]) == needle:
            (flags,) = struct.unpack("<H", b[pos + 8:pos + 10])
            b[pos + 8:pos + 10] = struct.pack("<H", flags | 0x1)
            return bytes(b)
        pos += 4


# The upload once accepted as a 风险评估 report: a PDF header, then a shell script (27 bytes).
SHELL_AS_PDF = b"%PDF-1.4\n#!/bin/sh\necho hi\n"
OLE2_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"This program cannot be run in DOS mode."


def closed(response):  # noqa: ANN001, ANN201
    """Read and close a download response (send_file keeps the blob open until then)."""
    response.get_data()
    response.close()
    return response


def stored_files(app) -> list[Path]:  # noqa: ANN001
    """Every file under FILES_DIR: blobs and any leftover temp file."""
    root = Path(app.config["FILES_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(db) -> int:  # noqa: ANN001
    from sqlalchemy import func, select

    from core.files.models import StoredFile
    db.expire_all()
    return db.scalar(select(func.count()).select_from(StoredFile))
