"""Checks for the identifiers a Chinese enterprise or bureau carries.

Each returns a Chinese message describing the problem, or None when the value is valid.
"""
from __future__ import annotations

import re

# GB 32100-2015 统一社会信用代码: 31-character alphabet (no I, O, Z, S, V) and weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th character (校验码) for the first 17 characters, per GB 32100 §4.3."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    if len(value) != 18:
        return f"统一社会信用代码应为18位，当前为{len(value)}位"
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        return f"统一社会信用代码含有无效字符：{''.join(bad)}（不使用 I、O、Z、S、V 及小写字母）"
    if uscc_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


# GB/T 2260: two digits province, two city, two county. Province codes in use.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}


def region_problem(value: str) -> str | None:
    if not re.fullmatch(r"\d{6}", value):
        return "行政区划代码应为6位数字（GB/T 2260）"
    if value[:2] not in PROVINCES:
        return f"行政区划代码的省级代码“{value[:2]}”不存在"
    if value[2:4] == "00" and value[4:] != "00":
        return "行政区划代码不合规：市级为00时县级也应为00"
    return None


def region_prefix(code: str) -> str:
    """The part of a region code that every place inside it shares: 150600 → 1506."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def region_within(child: str, parent: str) -> bool:
    return child.startswith(region_prefix(parent))


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def phone_problem(value: str) -> str | None:
    if not PHONE_RE.match(value):
        return "联系电话格式不正确（手机号11位，或带区号的固定电话，如 0477-1234567）"
    return None
