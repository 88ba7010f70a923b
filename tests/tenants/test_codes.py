"""统一社会信用代码 (GB 32100-2015) and 行政区划代码 (GB/T 2260) checks.

Expected check characters are literals worked out by hand, or come from the small reference
implementation below, written apart from tenants/codes.py: the code under test never supplies
its own expected values.
"""
import pytest

from tenants.codes import (
    org_code_check_char,
    region_full_name,
    region_name,
    region_problem,
    region_within,
    uscc_check_char,
    uscc_problem,
)

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def ref_org_check(body: str) -> str:
    """GB 11714: int(c, 36) gives 0–9 for digits and 10–35 for A–Z."""
    r = 11 - sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def ref_uscc_check(first17: str) -> str:
    """GB 32100: weight of position i is 3**i mod 31."""
    r = -sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17)) % 31
    return USCC_CHARS[r]


def ref_uscc(pair: str, region: str, org_body: str) -> str:
    """A code with both check characters right, so only the part under test can be wrong."""
    first17 = pair + region + org_body + ref_org_check(org_body)
    return first17 + ref_uscc_check(first17)


# The department/category pairs of GB 32100-2015, transcribed from the standard.
STANDARD_PAIRS = ["11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49",
                  "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93",
                  "A1", "A9", "N1", "N2", "N3", "N9", "Y1"]


# --- worked by hand --------------------------------------------------------------------------

@pytest.mark.parametrize("body,check", [
    # 1·3+9·7+2·9+2·10+0·5+3·8+8·4+2·2 = 164; 164 mod 11 = 10; 11 − 10 = 1
    ("19220382", "1"),
    # D=13: 39+14+9+40+15+40+24+18 = 199; mod 11 = 1; 11 − 1 = 10 → X
    ("D2143569", "X"),
    # M=22 A=10 N=23 H=17 K=20: 66+70+0+230+5+136+8+40 = 555; mod 11 = 5 → 6
    ("MA0N1H2K", "6"),
    # R=27 F=15 N=23: 66+70+0+270+10+120+24+46 = 606; mod 11 = 1 → 10 → X
    ("MA0R2F6N", "X"),
    # sum 0 → 11 → 0
    ("00000000", "0"),
])
def test_org_code_check_char(body, check):
    assert org_code_check_char(body) == check
    assert ref_org_check(body) == check  # the reference agrees with the hand sums


def test_uscc_check_char_matches_the_standard_example():
    assert uscc_check_char("91440300192203821") == "6"
    assert ref_uscc_check("91440300192203821") == "6"


# --- valid codes -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "914403001922038216",   # the example quoted with the standard (440300 深圳市)
    "91150626MA0N1H2K6K",   # demo enterprises, 乌审旗 and 伊金霍洛旗
    "91150626MA0N3B7Q1R",
    "91150627MA0R2F6NX4",   # embedded check character X
    "91100000100003962T",   # registered centrally: 100000
    "11100000000013127D",   # 机关
    "12100000400000624D",   # 事业单位
    "91330100799655058B",
])
def test_valid_uscc(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize("pair", STANDARD_PAIRS)
def test_every_pair_of_the_standard_is_accepted(pair):
    assert uscc_problem(ref_uscc(pair, "150626", "MA0N1H2K")) is None


# --- invalid codes, one rule each ------------------------------------------------------------

@pytest.mark.parametrize("code,fragment", [
    ("91440300192203821", "应为18位，当前为17位"),
    ("9144030019220382I6", "无效字符：I"),
    ("91440300192203821o", "无效字符：o"),
    ("914403001922038217", "统一社会信用代码校验位不正确"),
])
def test_invalid_uscc_shape_and_check_char(code, fragment):
    assert fragment in uscc_problem(code)


@pytest.mark.parametrize("old", [
    # the demo codes before this fix: their 18th character was right, their 17th was not
    "91150626MA0N1H2K5G", "91150626MA0P5D2R35", "91150626MA0Q8L4C7U",
    "91150626MA13T6W9XB", "91150627MA0K9U3M8E", "91150627MA0R2F6N4N",
])
def test_wrong_embedded_org_code_check_char(old):
    assert ref_uscc_check(old[:17]) == old[17]
    assert uscc_problem(old) == f"统一社会信用代码第9至17位（组织机构代码）“{old[8:17]}”的校验码不正确，请核对"


@pytest.mark.parametrize("pair", ["9A", "94", "90", "14", "22", "36", "43", "54", "63", "73", "82",
                                  "A2", "N4", "Y2", "Y9", "B1", "01", "X1"])
def test_pair_not_in_the_standard_is_refused(pair):
    msg = uscc_problem(ref_uscc(pair, "150626", "MA0N1H2K"))
    assert msg.startswith(f"统一社会信用代码第1、2位（登记管理部门和机构类别代码）“{pair}”无效")


def test_pair_message_names_the_categories_of_the_department():
    assert "工商登记的机构类别代码只有 1 企业、2 个体工商户、3 农民专业合作社" in uscc_problem(
        ref_uscc("94", "150626", "MA0N1H2K"))


@pytest.mark.parametrize("region", [
    "150699",   # no such county in 鄂尔多斯市
    "990626",   # no such province
    "150026",
    "110103",   # 崇文区, withdrawn in 2010: before any USCC was issued
])
def test_region_in_uscc_must_exist(region):
    assert uscc_problem(ref_uscc("91", region, "MA0N1H2K")) == (
        f"统一社会信用代码第3至8位（登记管理机关行政区划码）“{region}”不是有效的行政区划代码（GB/T 2260）")


def test_first_problem_from_the_left_is_reported():
    code = "94150699MA0N1H2K5G"  # wrong pair, region and org-code check character at once
    assert "第1、2位" in uscc_problem(code)


# --- historical codes ------------------------------------------------------------------------

@pytest.mark.parametrize("region,name", [("130521", "邢台县"), ("500105", "江北区")])
def test_withdrawn_region_valid_in_uscc_but_not_for_a_new_tenant(region, name):
    # 邢台县 became 信都区 in 2020; 江北区 went into 两江新区 in 2025: codes issued there before keep them
    assert uscc_problem(ref_uscc("91", region, "MA0N1H2K")) is None
    assert region_problem(region) == f"行政区划代码 {region}（{name}）已停用，请填写现行代码（GB/T 2260）"
    assert region_name(region) == name


# --- region codes ----------------------------------------------------------------------------

@pytest.mark.parametrize("code,name", [("150626", "乌审旗"), ("150627", "伊金霍洛旗"), ("150600", "鄂尔多斯市"),
                                       ("150000", "内蒙古自治区"), ("110101", "东城区"), ("429004", "仙桃市"),
                                       ("710000", "台湾省")])
def test_current_region_codes(code, name):
    assert region_problem(code) is None
    assert region_name(code) == name


@pytest.mark.parametrize("code,message", [
    ("150699", "行政区划代码 150699 不存在（GB/T 2260）"),
    ("990626", "行政区划代码 990626 不存在（GB/T 2260）"),
    ("150026", "行政区划代码 150026 不存在（GB/T 2260）"),
    ("15062", "行政区划代码应为6位数字（GB/T 2260）"),
    ("15062a", "行政区划代码应为6位数字（GB/T 2260）"),
])
def test_invalid_region_codes(code, message):
    assert region_problem(code) == message
    assert region_name(code) is None


@pytest.mark.parametrize("code,full", [("150626", "内蒙古自治区鄂尔多斯市乌审旗"), ("150600", "内蒙古自治区鄂尔多斯市"),
                                       ("110101", "北京市东城区"), ("429004", "湖北省仙桃市"), ("150699", None)])
def test_region_full_name(code, full):
    assert region_full_name(code) == full


def test_region_within_parent():
    assert region_within("150626", "150600")
    assert not region_within("150726", "150600")
    assert region_within("150626", "150626")
    assert not region_within("150627", "150626")


# --- where the names are shown ---------------------------------------------------------------

def test_pages_and_api_show_the_county_name(as_user, api):
    c = as_user("wsq_admin")
    assert "150626 乌审旗" in c.get("/enterprises").text
    assert "150626 乌审旗" in c.get("/units").text
    ent = api("wsq_reviewer").get("/api/v1/tenants?q=宏达甲醇").json["items"][0]
    assert ent["region_name"] == "乌审旗"
    assert "150626 乌审旗" in c.get(f"/tenants/{ent['id']}").text
