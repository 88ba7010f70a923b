"""Every list page searches with `?q=` and pages with `?page=` the same way (core/web/paging.py
and _paging.html), and no page number, however odd, makes one fail."""
import io

import pytest

from core.checklists import service as checklists
from core.files.service import FileStore
from core.jobs import service as jobs
from core.notifications import service as notifications
from core.plugins import service as plugins
from core.web.paging import MAX_PAGE, id_of, page_of, query_of
from tests.files import samples

CHECKLISTS = "checklists = tests.plugins.sample_plugins:checklists"
TEMPLATE = "checklists.site_check"
ENT1, ENT2 = "乌审旗宏达甲醇有限责任公司", "鄂尔多斯市苏力格合成氨化工有限公司"


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(PLUGINS_EXTRA=(CHECKLISTS,))


@pytest.fixture
def listed(app, ctx_for):  # noqa: ANN001, ANN201
    """Something on each list for 乌审旗's admin, from 宏达 and from 苏力格 (or under two titles)."""
    admin = ctx_for("wsq_admin")
    plugins.set_enabled(admin, "checklists", True)
    for title in ("宏达甲醇备案已受理", "苏力格演练提醒"):
        notifications.notify(admin, admin.actor.user_id, title, body="请查看")
    admin.session.commit()
    system = ctx_for()
    for title in ("校验审计链（一月）", "校验审计链（二月）"):  # a county may not start one itself
        jobs.enqueue(system, "audit.verify", {}, title, tenant_id=admin.actor.tenant_id)
        system.session.commit()
    runs, files = {}, {}
    store: FileStore = app.extensions["anjian.files"]
    for who, name in (("ent1_officer", "宏达现场处置方案.pdf"), ("ent2_officer", "苏力格演练记录.pdf")):
        ctx = ctx_for(who)
        runs[who] = checklists.start_checklist(ctx, TEMPLATE).id
        files[who] = store.store_upload(ctx, io.BytesIO(samples.pdf(name)), name).id
        ctx.session.commit()
    return {"runs": runs, "files": files}


# (path, a search, text on the page only when the search finds it, text it must filter out)
def searches(listed: dict) -> list[tuple[str, str, str, str]]:
    return [
        ("/users", "宏达", "ent1_officer", "ent2_officer"),
        ("/jobs", "一月", "校验审计链（一月）", "校验审计链（二月）"),
        ("/checklists", "宏达", f'data-run-id="{listed["runs"]["ent1_officer"]}"',
         f'data-run-id="{listed["runs"]["ent2_officer"]}"'),
        ("/inbox", "宏达", "宏达甲醇备案已受理", "苏力格演练提醒"),
        ("/enterprises", "宏达", f">{ENT1}</a>", f">{ENT2}</a>"),
        ("/files", "宏达", "宏达现场处置方案.pdf", "苏力格演练记录.pdf"),
        ("/audit", "91150626MA0N1H2K6K", f"新建企业“{ENT1}”", f"新建企业“{ENT2}”"),  # 宏达's USCC
    ]


PATHS = ["/users", "/jobs", "/checklists", "/inbox", "/enterprises", "/files", "/audit"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query", ["q=宏达&page=2", "page=99999999999999999999", "page=abc", "page=-1",
                                   "page=0", "q=" + "长" * 500, "q=%25_%5C&page=1"])
def test_odd_queries_give_a_page(as_user, listed, path, query):  # noqa: ANN001
    r = as_user("wsq_admin").get(f"{path}?{query}")
    assert r.status_code == 200, r.text[:500]
    assert 'data-testid="pager"' in r.text and 'data-testid="search"' in r.text


def test_each_search_filters_its_list(as_user, listed):  # noqa: ANN001
    c = as_user("wsq_admin")
    for path, q, found, left_out in searches(listed):
        everything = c.get(path).text
        assert found in everything and left_out in everything, path
        page = c.get(path, query_string={"q": q}).text
        assert found in page and left_out not in page, path
        assert f'value="{q}"' in page, f"{path} keeps the search in its box"
        assert "第 1 页，共 1 条" in page, path


def test_a_page_past_the_end_is_empty_but_counted(as_user, listed):  # noqa: ANN001
    c = as_user("wsq_admin")
    for path, q, found, _ in searches(listed):
        page = c.get(path, query_string={"q": q, "page": "99999999999999999999"}).text
        assert found not in page, path
        assert f"第 {MAX_PAGE} 页，共 1 条" in page and 'rel="prev"' in page and 'rel="next"' not in page, path


@pytest.mark.parametrize("raw,page", [(None, 1), ("", 1), ("3", 3), (" 4 ", 4), ("abc", 1), ("2.5", 1),
                                      ("0", 1), ("-7", 1), ("99999999999999999999", MAX_PAGE), ("１２", 12)])
def test_page_of(raw, page):  # noqa: ANN001
    p = page_of({} if raw is None else {"page": raw}, per_page=20)
    assert p.page == page and p.limit == 20 and p.offset == (page - 1) * 20


def test_paging_arithmetic():
    p = page_of({"page": "2"}, per_page=10)
    assert p.has_next(21) and not p.has_next(20)
    assert p.pages(0) == 1 and p.pages(21) == 3
    assert p.prev_page(21) == 1 and page_of({}, 10).prev_page(21) is None
    assert page_of({"page": "50"}, 10).prev_page(21) == 3  # from past the end, to the last page


def test_query_and_id():
    assert query_of({"q": "  宏达  "}) == "宏达" and query_of({"q": "   "}) is None and query_of({}) is None
    assert len(query_of({"q": "长" * 500})) == 100
    assert id_of({"t": "12"}, "t") == 12
    assert [id_of({"t": v}, "t") for v in ("", "abc", "0", "-1", "99999999999999999999")] == [None] * 5


def test_pager_speaks_the_page_language(as_user):  # noqa: ANN001
    page = as_user("wsq_admin").get("/enterprises?lang=en").text
    assert "Page 1, 5 in all" in page
