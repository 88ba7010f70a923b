"""Content detection, independent of the app: the bytes decide, the name must agree."""
from __future__ import annotations

import io
import time

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
