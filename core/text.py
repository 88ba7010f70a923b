"""Text as people may type it, and the characters nobody means to send.

Refused everywhere: NUL (PostgreSQL cannot store it), the other C0 control characters but
tab and line breaks, unpaired surrogates (not text at all: no database or file can hold
them), and the bidirectional overrides that make a name read differently from what it is
(U+202E turns "预案.exe.pdf" round). Removed from names: zero-width characters, which
make two names that look the same differ.
"""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be accepted as text, in Chinese; None when it can."""
    if "\x00" in value:
        return "含有空字符（\\0），请删除后重试"
    if _CONTROL.search(value):
        return "含有不可见的控制字符，请删除后重试"
    if _SURROGATE.search(value):
        return "含有无效的字符编码（不成对的代理项），请重新输入"
    if _BIDI.search(value):
        return "含有改变文字方向的控制字符，请删除后重试"
    return None


def clean_name(value: str) -> str:
    """A name as stored: zero-width characters removed, surrounding space trimmed."""
    return _ZERO_WIDTH.sub("", value).strip()


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a one-line name (besides text_problem's reasons)."""
    if _LINE_BREAK.search(value):
        return "不能包含换行"
    return text_problem(value)


_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")


def words_of(text: str) -> list[str]:
    """A list as people type it in one box: "重大危险源、重点监管", commas or spaces between."""
    return [w for w in _LIST_SEPARATORS.split(text or "") if w]
