"""English mode reads as English: code-table labels (industries, statuses, materials, sizes),
badges and weekdays are translated, and no full-width Chinese brackets wrap English text."""
from __future__ import annotations

import re
from datetime import date

from tests.filings.conftest import submitted


def visible(html: str) -> str:
    """The page's English text as a reader sees it: tags, scripts and attribute values
    dropped, and the records kept in Chinese (marked lang="zh-CN", e.g. audit summaries)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(div|span) lang="zh-CN">.*?</\1>', " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_in_english(app, ctx_for, as_user):
    store = app.extensions["anjian.files"]
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    officer, reviewer, admin = as_user("ent1_officer"), as_user("wsq_reviewer"), as_user("city_admin")
    pages = {
        "dashboard": officer.get("/dashboard?lang=en").text,
        "filing": reviewer.get(f"/filings/{fid}?lang=en").text,
        "filings": reviewer.get("/filings?lang=en&status=all").text,
        "enterprise": reviewer.get(f"/tenants/{ctx_for('ent1_officer').actor.tenant_id}?lang=en").text,
        "calendar": admin.get("/calendar?lang=en&year=2026").text,
        "drills": officer.get("/drills?lang=en").text,
    }
    for name, html in pages.items():
        text = visible(html)
        assert "（" not in text and "）" not in text, (name, re.findall(r".{20}[（）].{20}", text)[:3])
    assert "Hazardous chemical production" in visible(pages["dashboard"])
    filing = visible(pages["filing"])
    assert "Filing application form" in filing and "应急预案备案申报表" not in filing
    assert "Hazardous chemical production" in visible(pages["enterprise"]) and "Large" in visible(pages["enterprise"])
    assert "Thursday" in visible(pages["calendar"]) and "星期" not in visible(pages["calendar"])
