"""The audit page as a bureau admin reads it: Chinese action names, objects and actors by
name and linked, the action select, text search, pages."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.audit import service as audit
from core.auth.models import User
from core.filings.review import service as filings
from tenants import service as tenants
from tenants.models import Tenant

ENT1 = "91150626MA0N1H2K6K"  # 乌审旗宏达甲醇有限责任公司, under 乌审旗
YJHL_REGION = "150627"


class Cells(HTMLParser):
    """The audit table's rows as {column: (text, [hrefs])}, by the cells' data-col."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.col: str | None = None
        self.in_table = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if tag == "table" and a.get("data-testid") == "audit-list":
            self.in_table = True
        elif self.in_table and tag == "tr" and "data-id" in a:
            self.rows.append({"id": int(a["data-id"])})
        elif self.in_table and tag == "td" and self.rows:
            self.col = a.get("data-col", "seq_cell")
            self.rows[-1][self.col] = ["", []]
        elif tag == "a" and self.col:
            self.rows[-1][self.col][1].append(a.get("href"))

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "td":
            self.col = None
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data):  # noqa: ANN001
        if self.col:
            self.rows[-1][self.col][0] += data


def rows_of(page: str) -> list[dict]:
    p = Cells()
    p.feed(page)
    for r in p.rows:
        for k, v in r.items():
            if k != "id":
                v[0] = " ".join(v[0].split())
    return p.rows


def user_id(db, username: str) -> int:
    return db.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def activity(ctx_for, db):
    """wsq_admin edits 宏达, 宏达's officer starts a filing, a city admin's event lands in
    乌审旗's jurisdiction, and one event points at an object 乌审旗 cannot see."""
    admin = ctx_for("wsq_admin")
    ent = tenants.get_tenant(admin, db.scalar(select(Tenant.id).where(Tenant.uscc == ENT1)))
    data = {f: getattr(ent, f) for f in tenants.TENANT_FIELDS}
    tenants.update_enterprise(admin, ent.id, {**data, "principal": "王志强", "version": ent.version})
    admin.session.commit()
    officer = ctx_for("ent1_officer")
    filing = filings.create_filing(officer, {"title": "宏达甲醇生产安全事故应急预案", "published_on": "2026-03-02"})
    officer.session.commit()
    city = ctx_for("city_admin")
    audit.record(city, "tenant.update", "tenant", ent.id, f"市局核对“{ent.name}”信息", tenant_id=ent.id)
    elsewhere = db.scalar(select(Tenant).where(Tenant.region_code == YJHL_REGION, Tenant.kind == "enterprise"))
    audit.record(city, "tenant.update", "tenant", elsewhere.id, "指向伊旗企业的记录", tenant_id=ent.id)
    city.session.commit()
    return {"ent": ent.id, "filing": filing.id, "elsewhere": elsewhere.id}


def test_page_reads_in_chinese_with_names_and_links(as_user, db, activity):
    page = as_user("wsq_admin").get("/audit")
    assert page.status_code == 200
    rows = rows_of(page.text)
    assert rows, "the table has rows"
    for r in rows:  # no raw codes where a person reads
        for col in ("action", "object", "actor"):
            assert not re.search(r"\b[a-z_]+\.[a-z_.]+\b", r[col][0]), r
    by_summary = {r["summary"][0]: r for r in rows}

    edited = next(r for s, r in by_summary.items() if s.startswith("修改企业“乌审旗宏达甲醇有限责任公司”"))
    assert edited["action"][0] == "修改单位信息"
    assert edited["object"][0] == "单位 乌审旗宏达甲醇有限责任公司"
    assert edited["object"][1] == [f"/tenants/{activity['ent']}"]
    assert edited["actor"][0] == "乌审旗管理员"
    assert edited["actor"][1] == [f"/users/{user_id(db, 'wsq_admin')}"]
    assert edited["unit"][0] == "乌审旗宏达甲醇有限责任公司"  # the unit column

    created = next(r for s, r in by_summary.items() if s.startswith("创建预案备案"))
    assert created["action"][0] == "创建备案"
    assert created["object"][1] == [f"/filings/{activity['filing']}"]
    assert "宏达甲醇生产安全事故应急预案" in created["object"][0]
    assert created["actor"][0] == "宏达甲醇安全员"

    # An actor outside the jurisdiction: named, not linked (乌审旗 cannot open the city's users).
    city = by_summary["市局核对“乌审旗宏达甲醇有限责任公司”信息"]
    assert city["actor"] == ["市局管理员", []]
    # An object 乌审旗 cannot see: its type and number only.
    hidden = by_summary["指向伊旗企业的记录"]
    assert hidden["object"] == [f"单位 {activity['elsewhere']}", []]
    # Demo data was loaded by the system.
    assert any(r["actor"][0] == "系统" for r in rows)


def test_action_select_lists_chinese_names_and_filters_by_code(as_user, activity):
    c = as_user("wsq_admin")
    page = c.get("/audit").text
    assert '<option value="filing.create" >创建备案</option>' in page
    assert '<optgroup label="预案备案">' in page
    rows = rows_of(c.get("/audit?action=filing.create").text)
    assert rows and {r["action"][0] for r in rows} == {"创建备案"}
    assert 'value="filing.create" selected' in c.get("/audit?action=filing.create").text
    assert rows_of(c.get("/audit?action=no.such").text) == []


def test_text_search_over_summaries(as_user, activity):
    c = as_user("wsq_admin")
    rows = rows_of(c.get("/audit", query_string={"q": "宏达"}).text)
    assert len(rows) >= 3 and all("宏达" in r["summary"][0] for r in rows)
    assert not rows_of(c.get("/audit", query_string={"q": "没有这样的摘要"}).text)
    # Combined with the select, and kept by the pager.
    rows = rows_of(c.get("/audit", query_string={"q": "宏达", "action": "tenant.create"}).text)
    assert [r["action"][0] for r in rows] == ["新建单位"]


def test_actor_filter_takes_the_display_name_or_username(as_user, activity):
    c = as_user("wsq_admin")
    for who in ("乌审旗管理员", "wsq_admin"):
        rows = rows_of(c.get("/audit", query_string={"actor": who}).text)
        assert rows and {r["actor"][0] for r in rows} == {"乌审旗管理员"}


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999"])
def test_odd_page_numbers_give_a_page(as_user, page):
    r = as_user("wsq_admin").get(f"/audit?page={page}")
    assert r.status_code == 200


def test_page_past_the_end_is_empty_and_points_back(as_user):
    page = as_user("wsq_admin").get("/audit?page=99999999999999999999").text
    assert rows_of(page) == [] and "没有记录" in page
    assert 'rel="prev" href="?page=1"' in page  # back to the last page with rows


def test_pages_keep_the_filter(as_user, ctx_for):
    ctx = ctx_for("wsq_admin")
    for i in range(55):
        audit.record(ctx, "tenant.update", "tenant", ctx.actor.tenant_id, f"批量记录{i}")
    ctx.session.commit()
    c = as_user("wsq_admin")
    first = c.get("/audit", query_string={"q": "批量记录"}).text
    assert len(rows_of(first)) == 50 and "第 1 页，共 55 条" in first
    assert 'rel="next" href="?q=%E6%89%B9%E9%87%8F%E8%AE%B0%E5%BD%95&amp;page=2"' in first
    second = c.get("/audit", query_string={"q": "批量记录", "page": 2}).text
    assert len(rows_of(second)) == 5 and "第 2 页，共 55 条" in second


@pytest.mark.parametrize("query", ["tenant_id=99999999999999999999", "tenant_id=abc", "since=0001-01-01",
                                   "until=2026-13-01"])
def test_bad_filters_are_refused_not_crashed(as_user, query):
    assert as_user("wsq_admin").get(f"/audit?{query}").status_code == 422


@pytest.mark.parametrize("username", ["ent1_officer", "wsq_reviewer"])
def test_only_bureau_admins_see_the_page(as_user, username):
    # list_events refuses every other role (PermissionDenied), as it always has.
    assert as_user(username).get("/audit").status_code == 403


def test_api_takes_the_search_and_names_the_action(api, activity):
    rows = api("wsq_admin").get("/api/v1/audit?q=宏达&action=tenant.update").get_json()["items"]
    assert rows and all(r["action"] == "tenant.update" and r["action_label"] == "修改单位信息" for r in rows)
