"""What an uploaded file really is, decided by its bytes and never by its name.

Accepted: PDF, PNG, JPEG, and the Office Open XML formats DOCX and XLSX. DOCX and XLSX are
ZIP archives; they are judged from the central directory only — nothing is decompressed
here — so a crafted archive (a "zip bomb", path traversal names, encrypted parts) is
refused before any later reader (ledger import, preview) would unpack it.

The first bytes alone prove nothing: "%PDF-1.4" followed by a shell script was once taken
for a 风险评估 report. PDF, PNG and JPEG must also show the frame of a whole file of their
type (see `_INTACT`), read from the head and the tail in bounded pieces, never the whole
upload.
"""
from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from core.errors import ValidationFailed


@dataclass(frozen=True)
class Sniffed:
    kind: str           # pdf, docx, xlsx, jpg, png
    content_type: str
    extension: str      # canonical, with the dot


@dataclass(frozen=True)
class KindInfo:
    content_type: str
    extension: str
    label: str                     # shown in messages
    extensions: tuple[str, ...]    # names that agree with the content


KINDS: dict[str, KindInfo] = {
    "pdf": KindInfo("application/pdf", ".pdf", "PDF", (".pdf",)),
    "docx": KindInfo("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     ".docx", "Word(DOCX)", (".docx",)),
    "xlsx": KindInfo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     ".xlsx", "Excel(XLSX)", (".xlsx",)),
    "jpg": KindInfo("image/jpeg", ".jpg", "JPG", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "png": KindInfo("image/png", ".png", "PNG", (".png",)),
}
ALL_KINDS = frozenset(KINDS)
# What the content looks like when it contradicts the name, e.g. "内容是 PNG 图片".
_CONTENT_WORDS = {"pdf": "PDF 文档", "docx": "Word(DOCX) 文档", "xlsx": "Excel(XLSX) 表格",
                  "jpg": "JPG 图片", "png": "PNG 图片"}


@dataclass(frozen=True)
class ZipLimits:
    """Limits for ZIP-based documents. A real plan document or ledger stays far below them;
    DEFLATE reaches about 1000:1 on runs of zeros, while Office XML parts rarely pass 50:1."""

    max_entries: int = 5000
    max_total: int = 300 * 1024 * 1024       # declared uncompressed bytes, all entries
    max_ratio: int = 200                      # uncompressed : compressed, per entry …
    ratio_min_size: int = 1024 * 1024         # … for entries larger than this


DEFAULT_ZIP_LIMITS = ZipLimits()

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt

# Only something that looks like a file-type suffix counts as an extension: "检查记录
# 2024.03.15" or "v1.2" have none.
_EXT_RE = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,4})$")
_LEGACY_EXTENSIONS = {".doc", ".xls", ".wps", ".et", ".dot", ".xlt"}


def labels(kinds) -> str:  # noqa: ANN001
    """"PDF、Word(DOCX)、…" in the canonical order."""
    return "、".join(KINDS[k].label for k in KINDS if k in kinds)


def extension_of(name: str) -> str | None:
    m = _EXT_RE.search(name or "")
    return f".{m.group(1).lower()}" if m else None


def file_error(message: str) -> ValidationFailed:
    """A refusal of the uploaded file; the message names the file itself, so it stands alone."""
    return ValidationFailed({"file": [message]}, message=message)


def sniff(f: BinaryIO, filename: str, allowed_kinds=None,  # noqa: ANN001
          limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> Sniffed:
    """Identify `f` (a seekable binary file) by content. Raises ValidationFailed (field
    "file") when the content is not an accepted type, is not in `allowed_kinds`, is an
    unsafe archive, or contradicts the extension of `filename`."""
    allowed = frozenset(allowed_kinds) if allowed_kinds else ALL_KINDS
    f.seek(0)
    head = f.read(16)
    ext = extension_of(filename)
    kind = None
    if head.startswith(PDF_SIGNATURE):
        kind = "pdf"
    elif head.startswith(PNG_SIGNATURE):
        kind = "png"
    elif head.startswith(JPEG_SIGNATURE):
        kind = "jpg"
    elif head.startswith(ZIP_SIGNATURE):
        kind = _office_kind(f, filename, limits)
    elif head.startswith(OLE2_SIGNATURE) or ext in _LEGACY_EXTENSIONS:
        raise file_error(f"文件“{filename}”是旧版 Office 格式（.doc/.xls），不予接受，"
                         f"请在 Word 或 Excel 中另存为 DOCX 或 XLSX 后重新上传")
    if kind is None:
        raise file_error(f"文件“{filename}”的内容不是允许的类型（允许：{labels(allowed)}）")
    if kind in _INTACT:
        f.seek(0, os.SEEK_END)
        if not _INTACT[kind](f, f.tell()):
            raise file_error(f"文件“{filename}”不是有效的 {_CONTENT_WORDS[kind]}（结构不完整），请上传原始文件")
    if kind not in allowed:
        raise file_error(f"文件“{filename}”是 {KINDS[kind].label} 文件，此处只允许上传：{labels(allowed)}")
    info = KINDS[kind]
    if ext is not None and ext not in info.extensions:
        raise file_error(f"文件“{filename}”的扩展名是 {ext}，但内容是 {_CONTENT_WORDS[kind]}；"
                         f"请确认文件无误，并使用与内容相符的扩展名（{info.extension}）")
    f.seek(0)
    return Sniffed(kind, info.content_type, info.extension)


def _read_at(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


# A real PDF ends with "startxref <offset> %%EOF" (the last of several in linearised and
# incrementally updated files); some writers leave whitespace or junk after it, hence the slack.
_PDF_HEAD = 64 * 1024
_PDF_TAIL = 4 * 1024
_PDF_EOF_SLACK = 2 * 1024
# Bounded repeats: an unbounded \d+\s+\d+ backtracks quadratically over a run of digits.
_PDF_END = re.compile(rb"startxref[\0\t\n\f\r ]{1,32}(\d{1,20})[\0\t\n\f\r ]{0,32}%%EOF")
_PDF_OBJ = re.compile(rb"(?<!\d)\d{1,10}[\0\t\n\f\r ]{1,8}\d{1,5}[\0\t\n\f\r ]{1,8}obj(?![A-Za-z])")


def _pdf_intact(f: BinaryIO, size: int) -> bool:
    """A trailer near the end pointing inside the file, and at least one indirect object
    (`N G obj` … `endobj`) in the head, the tail or where the trailer points: an object
    larger than the head (a scanned page first) still shows its `endobj` before the xref."""
    tail = _read_at(f, max(size - _PDF_TAIL, 0), _PDF_TAIL)
    ends = list(_PDF_END.finditer(tail))
    if not ends or len(tail) - ends[-1].end() > _PDF_EOF_SLACK:
        return False
    xref = int(ends[-1].group(1))
    if xref >= size:
        return False
    pieces = (_read_at(f, 0, _PDF_HEAD), tail, _read_at(f, max(xref - 256, 0), 512))
    return any(_PDF_OBJ.search(p) for p in pieces) and any(b"endobj" in p for p in pieces)


_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _png_intact(f: BinaryIO, size: int) -> bool:
    """IHDR first (13 bytes, sound CRC, non-zero size) and the file ending on IEND: nothing
    may ride after the image."""
    head = _read_at(f, 0, 33)
    if len(head) < 33 or head[8:16] != b"\x00\x00\x00\x0dIHDR":
        return False
    width, height = struct.unpack(">II", head[16:24])
    (crc,) = struct.unpack(">I", head[29:33])
    if not width or not height or zlib.crc32(head[12:29]) != crc:
        return False
    return size >= 33 + len(_PNG_IEND) and _read_at(f, size - len(_PNG_IEND), len(_PNG_IEND)) == _PNG_IEND


# SOF0–SOF15 except DHT (C4), JPG (C8), DAC (CC).
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})   # TEM, RST0–7: no length
_JPEG_TAIL = 2 * 1024        # cameras pad after EOI
# Photos carry a few APPn (EXIF, XMP, ICC, extended XMP) before the frame; far more is not a photo.
_JPEG_MAX_SEGMENTS = 1000


def _jpeg_intact(f: BinaryIO, size: int) -> bool:
    """EOI near the end, and a frame header reached by walking the segments from SOI —
    walking, not searching, so the SOF of an EXIF thumbnail does not count. Each step reads
    a few bytes; up to 63 stray bytes before a marker are skipped, as libjpeg does."""
    if b"\xff\xd9" not in _read_at(f, max(size - _JPEG_TAIL, 2), _JPEG_TAIL):
        return False
    pos = 2
    for _ in range(_JPEG_MAX_SEGMENTS):
        buf = _read_at(f, pos, 64)
        i = buf.find(b"\xff")
        if i < 0:
            return False
        while i < len(buf) and buf[i] == 0xFF:  # fill bytes
            i += 1
        if i + 3 > len(buf):
            return False
        marker = buf[i]
        if marker in _JPEG_STANDALONE:
            pos += i + 1
            continue
        if marker in (0x00, 0xD8, 0xD9, 0xDA):  # no frame before the scan or the end
            return False
        (length,) = struct.unpack(">H", buf[i + 1:i + 3])
        if length < 2:
            return False
        if marker in _JPEG_FRAMES:
            seg = _read_at(f, pos + i + 1, length)  # length, precision, height, width, components
            return (len(seg) == length >= 8 and seg[7] >= 1 and length == 8 + 3 * seg[7]
                    and struct.unpack(">H", seg[5:7])[0] > 0)
        pos += i + 1 + length
    return False


_INTACT = {"pdf": _pdf_intact, "png": _png_intact, "jpg": _jpeg_intact}


def _office_kind(f: BinaryIO, filename: str, limits: ZipLimits) -> str | None:
    """docx/xlsx from the archive's central directory, None for any other ZIP."""
    bad = f"文件“{filename}”"
    names = {info.filename for info in zip_entries(f, filename, limits, what="DOCX 或 XLSX")}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise file_error(f"{bad}含有宏代码（启用宏的文档），请另存为不含宏的 DOCX 或 XLSX 后重新上传")
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def zip_entries(f: BinaryIO, filename: str, limits: ZipLimits = DEFAULT_ZIP_LIMITS, *,
                what: str = "ZIP 压缩包") -> list[zipfile.ZipInfo]:
    """The entries of a ZIP read from its central directory alone (nothing is inflated):
    refused with a Chinese message when damaged, encrypted, with too many entries, unsafe
    or repeated paths, an implausible compression ratio or too large a declared total."""
    bad = f"文件“{filename}”"
    directory = _directory_size(f)
    if directory is None:
        raise file_error(f"{bad}已损坏或不是完整的压缩文档，无法识别为 {what}")
    count, cd_bytes = directory
    if count > limits.max_entries:
        raise file_error(f"{bad}包含的部件过多（{count} 个，上限 {limits.max_entries} 个），已拒绝")
    # zipfile walks the directory by its byte size, not by the declared count.
    if cd_bytes > limits.max_entries * _CD_BYTES_PER_ENTRY:
        raise file_error(f"{bad}的压缩目录异常庞大（{cd_bytes} 字节），疑似恶意构造的压缩文件，已拒绝")
    f.seek(0)
    try:
        # ZipFile reads the central directory only; no entry is opened here.
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError):
        raise file_error(f"{bad}已损坏或不是完整的压缩文档，无法识别为 {what}") from None
    if len(infos) > limits.max_entries:
        raise file_error(f"{bad}包含的部件过多（{len(infos)} 个，上限 {limits.max_entries} 个），已拒绝")
    total = 0
    names = set()
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise file_error(f"{bad}中含有不安全的路径“{name}”，已拒绝")
        if name in names:
            raise file_error(f"{bad}中含有重复的部件“{name}”，已拒绝")
        names.add(name)
        if info.flag_bits & 0x1:
            raise file_error(f"{bad}已加密或设置了打开密码，请取消密码保护后重新上传")
        if info.file_size > limits.ratio_min_size and (
                info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio):
            raise file_error(f"{bad}中的部件“{name}”压缩比异常（解压后 {info.file_size} 字节，"
                             f"压缩后 {info.compress_size} 字节），疑似恶意构造的压缩文件，已拒绝")
        total += info.file_size
        if total > limits.max_total:
            raise file_error(f"{bad}解压后总大小超过 {limits.max_total // (1024 * 1024)} MB，已拒绝")
    return infos


def _unsafe_name(name: str) -> bool:
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n) or "\x00" in n:
        return True
    return any(part == ".." for part in n.split("/"))


_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
# Generous room per directory entry (46 fixed bytes + name + extra fields).
_CD_BYTES_PER_ENTRY = 512


def _directory_size(f: BinaryIO) -> tuple[int, int] | None:
    """(entry count, central directory bytes) from the end-of-central-directory record
    (ZIP64 aware), read before zipfile builds one object per entry. None if not found."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    tail_len = min(size, 22 + 0xFFFF)  # record + longest comment
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or pos + 22 > len(tail):
        return None
    total, cd_bytes = struct.unpack("<HI", tail[pos + 10:pos + 16])
    loc = pos - 20
    if loc >= 0 and tail[loc:loc + 4] == _EOCD64_LOCATOR:
        (eocd64_offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
        if eocd64_offset + 56 > size:
            return None
        f.seek(eocd64_offset)
        rec = f.read(56)
        if rec[:4] != _EOCD64:
            return None
        total, cd_bytes = struct.unpack("<QQ", rec[32:48])
    return total, cd_bytes
