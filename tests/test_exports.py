"""Every export route, in every format the caller is offered, escapes text a spreadsheet
would run as a formula — whatever the stored text is and however it got there (an import,
an old version, an editor). The routes are taken from the URL map, so a new export is
covered the day it is added."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select, update

from core.campaigns import service as campaigns
from core.exports import FORMULA_START, formats_for
from core.filings.models import Filing
from core.filings.overview import service as overview
from core.plugins import service as plugins
from tenants.models import Tenant, TenantKind

HOSTILE = ('=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1")


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    """With the sample plugin that contributes a CSV format: formats a plugin adds are escaped
    by the platform, not by the plugin."""
    return make_app(PLUGINS_EXTRA=["extras = tests.plugins.sample_plugins:extras"])


# Values for the path arguments of export routes.
ARGUMENTS = {"name": list(overview.LISTS), "type_id": ["risk_points", "emergency_system_check.supplies"]}


@pytest.fixture
def arguments(ctx_for) -> dict[str, list[str]]:  # noqa: ANN001
    """ARGUMENTS, and ids of objects made for the test: the city's campaign."""
    city = ctx_for("city_admin")
    campaign = campaigns.launch_campaign(city, {"template_id": "hazchem_warning_month.warning_month",
                                                "starts_on": "2024-09-01", "doc_no": "鄂安办发〔2024〕67号"})
    cid = str(campaign.id)
    city.session.commit()
    return {**ARGUMENTS, "campaign_id": [cid]}


def export_urls(app, arguments: dict[str, list[str]]) -> list[str]:  # noqa: ANN001
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.endswith("/export"):
            continue
        unknown = set(rule.arguments) - set(arguments)
        assert not unknown, f"{rule.rule}: add values for {unknown} to ARGUMENTS or the arguments fixture"
        if not rule.arguments:
            urls.append(rule.rule)
        for arg in rule.arguments:
            urls += [re.sub(rf"<(?:int:)?{arg}>", value, rule.rule) for value in arguments[arg]]
    return urls


def cells(content: bytes, extension: str) -> list[str]:
    if extension == "xlsx":
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    else:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [c for row in rows for c in row if isinstance(c, str)]


def test_every_export_escapes_formulas(app, db, as_user, ctx_for, arguments):  # noqa: ANN001
    # Stored as an editor or an old import might have left them: no validation in between.
    for i, tenant_id in enumerate(db.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.enterprise.value))):
        text = HOSTILE[i % len(HOSTILE)]
        db.execute(update(Tenant).where(Tenant.id == tenant_id)
                   .values(name=f"{text}{tenant_id}", principal=text, address=text))
    db.execute(update(Filing).values(title=HOSTILE[0]))
    db.commit()
    admin = ctx_for("city_admin")
    plugins.set_enabled(admin, "extras", True)
    admin.session.commit()
    urls = export_urls(app, arguments)
    assert {"/enterprises/export", "/filings/overview/filings/export"} <= set(urls)
    city = as_user("city_admin")
    formats = formats_for(ctx_for("city_admin"))
    assert {f.id for f in formats} >= {"xlsx", "csv"}
    seen = 0
    for url in urls:
        for fmt in formats:
            resp = city.get(f"{url}?format={fmt.id}")
            assert resp.status_code == 200, (url, fmt.id, resp.status_code)
            values = cells(resp.data, fmt.extension)
            bare = [v for v in values if v.startswith(FORMULA_START)]
            assert not bare, (url, fmt.id, bare[:3])
            seen += sum(v.startswith("'") and v[1:].startswith(FORMULA_START) for v in values)
    assert seen, "no hostile value reached any export: the test would not notice a missing escape"


def list_pages(app) -> list[str]:  # noqa: ANN001
    """Every page a GET without arguments reaches, plus each overview list."""
    pages = [r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments
             and not r.rule.startswith(("/api/", "/static")) and not r.rule.endswith("/export")]
    return pages + [f"/filings/overview/{name}" for name in overview.LISTS]


def test_every_exportable_list_offers_every_format(app, as_user, ctx_for):  # noqa: ANN001
    admin = ctx_for("city_admin")
    plugins.set_enabled(admin, "extras", True)
    admin.session.commit()
    formats = {f.id for f in formats_for(ctx_for("city_admin"))}
    assert formats == {"xlsx", "csv"}
    city = as_user("city_admin")
    offering = {}
    for page in list_pages(app):
        resp = city.get(page)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        links = re.findall(r'href="([^"]*/export[^"]*)"', resp.text)
        if links:
            offering[page] = {m for link in links for m in re.findall(r"format=(\w+)", link)}
    assert {"/filings", "/enterprises", "/filings/overview/filings"} <= set(offering)
    for page, offered in offering.items():
        assert offered == formats, f"{page} offers {sorted(offered)}, not every format {sorted(formats)}"


def test_every_export_names_one_charset_and_an_ascii_fallback(app, as_user, ctx_for, arguments):  # noqa: ANN001
    admin = ctx_for("city_admin")
    plugins.set_enabled(admin, "extras", True)
    admin.session.commit()
    city = as_user("city_admin")
    formats = formats_for(ctx_for("city_admin"))
    for url in export_urls(app, arguments):
        for fmt in formats:
            resp = city.get(f"{url}?format={fmt.id}")
            assert resp.status_code == 200, (url, fmt.id, resp.status_code, resp.get_data(as_text=True)[:200])
            ctype = resp.headers["Content-Type"]
            assert ctype.lower().count("charset") <= 1, (url, ctype)
            if fmt.id == "csv":
                assert ctype == "text/csv; charset=utf-8"
            disposition = resp.headers["Content-Disposition"]
            fallback = re.search(r'filename="([^"]+)"', disposition).group(1)
            assert fallback.isascii() and fallback.startswith("export-") and fallback.endswith(f".{fmt.extension}")
            name = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
            assert not unquote(name).isascii() and name.endswith(f".{fmt.extension}")   # the Chinese title
            assert resp.headers["Cache-Control"] == "private"


@pytest.mark.parametrize("plugin, reason", [
    ("twice_the_same_format", "导出格式编号“tsv”重复（已由本插件提供）"),
    ("format_named_xlsx", "导出格式编号“xlsx”重复（已由平台提供）"),
    ("another_csv", "导出格式编号“csv”重复（已由插件“extras”提供）"),
])
def test_a_repeated_format_id_fails_the_plugin(make_app, plugin, reason):  # noqa: ANN001
    app = make_app(PLUGINS_EXTRA=["extras = tests.plugins.sample_plugins:extras",
                                  f"{plugin} = tests.plugins.sample_plugins:{plugin}"])
    reg = app.extensions["anjian.plugins"]
    assert reg.get("extras").loaded
    assert reg.get(plugin).state == "failed" and reg.get(plugin).error == reason
