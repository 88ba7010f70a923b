import pytest

from tenants.codes import region_problem, region_within, uscc_check_char, uscc_problem


@pytest.mark.parametrize("code", ["914403001922038216", "91150626MA0N1H2K5G", "91150627MA0K9U3M8E"])
def test_valid_uscc(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize("code,fragment", [
    ("914403001922038217", "校验位"),
    ("91440300192203821", "18位"),
    ("9144030019220382I6", "无效字符"),
    ("91440300192203821o", "无效字符"),
])
def test_invalid_uscc(code, fragment):
    assert fragment in uscc_problem(code)


def test_check_char_matches_the_standard_example():
    assert uscc_check_char("91440300192203821") == "6"


@pytest.mark.parametrize("code,ok", [("150626", True), ("150600", True), ("110000", True),
                                     ("990626", False), ("15062", False), ("150026", False)])
def test_region_codes(code, ok):
    assert (region_problem(code) is None) is ok


def test_region_within_parent():
    assert region_within("150626", "150600")
    assert not region_within("150726", "150600")
    assert region_within("150626", "150626")
    assert not region_within("150627", "150626")
