"""Checks for the identifiers a Chinese enterprise or bureau carries.

Each `*_problem` returns a Chinese message describing the problem, or None when the value is valid.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import NamedTuple

# GB 32100-2015 统一社会信用代码: 31-character alphabet (no I, O, Z, S, V) and weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class RegistrationDepartment(NamedTuple):
    name: str
    categories: dict[str, str]


# GB 32100-2015 登记管理部门代码 (position 1) and the 机构类别代码 (position 2) each department
# may give out, including the later additions A 中央军委改革和编制办公室 and N 农业.
USCC_DEPARTMENTS: dict[str, RegistrationDepartment] = {
    "1": RegistrationDepartment("机构编制", {"1": "机关", "2": "事业单位",
                                          "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": RegistrationDepartment("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": RegistrationDepartment("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                                          "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": RegistrationDepartment("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": RegistrationDepartment("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": RegistrationDepartment("旅游", {"1": "外国旅游部门常驻代表机构",
                                       "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": RegistrationDepartment("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": RegistrationDepartment("工会", {"1": "基层工会", "9": "其他"}),
    "9": RegistrationDepartment("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": RegistrationDepartment("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": RegistrationDepartment("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织",
                                       "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": RegistrationDepartment("其他", {"1": "其他"}),
}

# Bodies registered by a central department carry 100000 (全国) in positions 3–8; GB/T 2260
# itself lists no such code.
USCC_NATIONAL_REGION = "100000"
# A USCC keeps the region code in force when it was issued, and none were issued before
# GB 32100-2015 took effect, so codes withdrawn before then cannot appear in one.
USCC_FIRST_ISSUED = "2015-10"

# GB 11714-1997 全国组织机构代码: weights of the 8 body characters.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """The 18th character (校验码) for the first 17 characters, per GB 32100 §4.3."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body: str) -> str:
    """The 9th character (校验码) of an organisation code for its 8 body characters, per
    GB 11714-1997 全国组织机构代码编制规则: digits count as themselves and letters A–Z as
    10–35; C9 = 11 − (Σ value×weight mod 11), written "X" for 10 and "0" for 11."""
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
                for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_category_problem(value: str) -> str | None:
    """Positions 1–2 must be a 登记管理部门代码 and one of the 机构类别代码 that department assigns
    (GB 32100-2015 代码结构, first and second parts)."""
    pair = value[:2]
    prefix = f"统一社会信用代码第1、2位（登记管理部门和机构类别代码）“{pair}”无效"
    department = USCC_DEPARTMENTS.get(value[0])
    if department is None:
        return f"{prefix}：第1位登记管理部门代码应为 {'、'.join(USCC_DEPARTMENTS)} 之一"
    if value[1] not in department.categories:
        allowed = "、".join(f"{code} {name}" for code, name in department.categories.items())
        return f"{prefix}：{department.name}登记的机构类别代码只有 {allowed}"
    return None


def uscc_region_problem(value: str) -> str | None:
    """Positions 3–8 are the 登记管理机关行政区划码, a GB/T 2260 code (GB 32100-2015, third part):
    one in force now or withdrawn since USCCs were first issued, or 100000 for central bodies."""
    code = value[2:8]
    if code == USCC_NATIONAL_REGION:
        return None
    known = _regions().get(code)
    if known is None or not (known.current or known.last_in_force >= USCC_FIRST_ISSUED):
        return f"统一社会信用代码第3至8位（登记管理机关行政区划码）“{code}”不是有效的行政区划代码（GB/T 2260）"
    return None


def org_code_problem(value: str) -> str | None:
    """Positions 9–17 are the 主体标识码, an organisation code whose own 9th character checks its
    first 8 (GB 32100-2015 fourth part, GB 11714-1997)."""
    org = value[8:17]
    if org_code_check_char(org[:8]) != org[8]:
        return f"统一社会信用代码第9至17位（组织机构代码）“{org}”的校验码不正确，请核对"
    return None


def uscc_problem(value: str) -> str | None:
    """The first problem with a 统一社会信用代码, reading it from left to right (GB 32100-2015)."""
    if len(value) != 18:
        return f"统一社会信用代码应为18位，当前为{len(value)}位"
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        return f"统一社会信用代码含有无效字符：{''.join(bad)}（不使用 I、O、Z、S、V 及小写字母）"
    for rule in (uscc_category_problem, uscc_region_problem, org_code_problem):
        msg = rule(value)
        if msg:
            return msg
    if uscc_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


class Region(NamedTuple):
    name: str
    # "current", or the YYYY-MM of the last GB/T 2260 revision that listed the code.
    last_in_force: str

    @property
    def current(self) -> bool:
        return self.last_in_force == "current"


@cache
def _regions() -> dict[str, Region]:
    """tenants/data/gb2260.tsv, read once: it is immutable data (see its header for the sources)."""
    text = resources.files(__package__).joinpath("data/gb2260.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: Region(name, last) for code, name, last in rows}


# Rows GB/T 2260 keeps for grouping only; they name no place in a full name.
_GROUPING_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"}


def region_name(code: str | None) -> str | None:
    """The name GB/T 2260 gives a code (150626 → 乌审旗); for a withdrawn code, its last name."""
    known = _regions().get(code or "")
    return known.name if known else None


def region_full_name(code: str | None) -> str | None:
    """Province, prefecture and county names together: 150626 → 内蒙古自治区鄂尔多斯市乌审旗."""
    table = _regions()
    own = table.get(code or "")
    if own is None:
        return None
    # A code in force is named through parents in force, not through withdrawn ones.
    parents = (table.get(c) for c in dict.fromkeys((code[:2] + "0000", code[:4] + "00")) if c != code)
    names = [p.name for p in parents if p and (p.current or not own.current) and p.name not in _GROUPING_NAMES]
    return "".join([*names, own.name])


def region_problem(value: str) -> str | None:
    """A tenant's 行政区划代码 must be a GB/T 2260 code in force today."""
    if not re.fullmatch(r"\d{6}", value):
        return "行政区划代码应为6位数字（GB/T 2260）"
    known = _regions().get(value)
    if known is None:
        return f"行政区划代码 {value} 不存在（GB/T 2260）"
    if not known.current:
        return f"行政区划代码 {value}（{known.name}）已停用，请填写现行代码（GB/T 2260）"
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


FAX_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def fax_problem(value: str) -> str | None:
    if not FAX_RE.match(value):
        return "传真号码格式不正确（带区号的固定电话，如 0477-1234567）"
    return None
