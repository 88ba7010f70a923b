def test_enterprise_list_and_filters(as_user):
    c = as_user("wsq_reviewer")
    page = c.get("/enterprises")
    assert page.status_code == 200 and "乌审旗宏达甲醇有限责任公司" in page.text
    assert "伊金霍洛旗札萨克煤化工有限公司" not in page.text
    filtered = c.get("/enterprises?industry=hazchem_storage")
    assert "嘎鲁图" in filtered.text and "宏达甲醇" not in filtered.text


def test_admin_creates_enterprise_and_sees_field_errors(as_user):
    c = as_user("wsq_admin")
    bad = c.post("/enterprises/new", data={"csrf_token": c.csrf, "name": "测试化工有限公司",
                                           "uscc": "914403001922038217", "industry": "hazchem_use",
                                           "region_code": "150626", "address": "乌审旗", "principal": "张三",
                                           "phone": "13904771234"})
    assert bad.status_code == 422 and "统一社会信用代码校验位不正确" in bad.text
    ok = c.post("/enterprises/new", data={"csrf_token": c.csrf, "name": "测试化工有限公司",
                                          "uscc": "914403001922038216", "industry": "hazchem_use",
                                          "region_code": "150626", "address": "乌审旗", "principal": "张三",
                                          "phone": "13904771234"})
    assert ok.status_code == 302
    assert "测试化工有限公司" in c.get(ok.headers["Location"]).text


def test_enterprise_officer_sees_only_itself(as_user, api):
    c = as_user("ent1_officer")
    assert c.get("/enterprises").status_code == 302  # goes to its own profile
    ent2 = api("wsq_reviewer").get("/api/v1/tenants?q=苏力格").json["items"][0]
    assert c.get(f"/tenants/{ent2['id']}").status_code == 404
    assert c.get(f"/tenants/{ent2['id']}/edit").status_code == 404
    profile = c.get("/profile", follow_redirects=True)
    assert "宏达甲醇" in profile.text and "乌审旗应急管理局" in profile.text


def test_sections_page(as_user):
    c = as_user("wsq_admin")
    assert "危险化学品安全监管股" in c.get("/units").text
    resp = c.post("/units/sections", data={"csrf_token": c.csrf, "name": "安全生产基础股"})
    assert resp.status_code == 302
    assert "安全生产基础股" in c.get("/units").text
    assert as_user("wsq_reviewer").get("/units").status_code == 403


def test_export_uses_the_same_filters_as_the_page(as_user):
    import io

    from python_calamine import CalamineWorkbook
    c = as_user("wsq_reviewer")
    resp = c.get("/enterprises/export?format=xlsx&industry=coal_mine")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(resp.data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1  # header only, like the page


def test_reviewer_gets_no_edit_form(as_user, api):
    ent = api("wsq_reviewer").get("/api/v1/tenants?kind=enterprise").json["items"][0]
    assert as_user("wsq_reviewer").get(f"/tenants/{ent['id']}/edit").status_code == 403
