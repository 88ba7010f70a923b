"""Plugins used by the tests, loaded through ANJIAN_PLUGINS_EXTRA / PLUGINS_EXTRA entry points
("name = tests.plugins.sample_plugins.<object>") — the same loading path as installed ones."""
from __future__ import annotations

import copy
import types

from core.hookspecs import PluginInfo, hookimpl

SITE_CHECK = {
    "kind": "checklist", "id": "checklists.site_check", "version": "1.0.0",
    "title": "危化品企业现场安全自查表", "basis": "《危险化学品企业安全风险隐患排查治理导则》",
    "industries": ["hazchem_production", "hazchem_use", "hazchem_operation"],
    "sections": [
        {"title": "安全管理", "items": [
            {"id": "1.1", "text": "主要负责人是否组织制定并实施本单位安全生产责任制", "points": 5},
            {"id": "1.2", "text": "是否按规定开展安全风险辨识与隐患排查", "points": 5}]},
        {"title": "应急管理", "items": [
            {"id": "2.1", "text": "应急预案是否按规定备案并定期演练", "points": 5, "evidence": True},
            {"id": "2.2", "text": "应急物资是否定期检查并建立台账", "answer": "text"}]},
    ],
}


def _plugin(name: str, **hooks) -> types.SimpleNamespace:
    ns = types.SimpleNamespace(__name__=name)
    for hook_name, fn in hooks.items():
        setattr(ns, hook_name, hookimpl(fn))
    return ns


def site_check_v(version: str, extra_item: bool = False) -> dict:
    t = copy.deepcopy(SITE_CHECK)
    t["version"] = version
    if extra_item:
        t["sections"][1]["items"].append({"id": "2.3", "text": "是否配备应急救援器材并完好有效"})
    return t


RECEIVED: list = []
SEEN: list = []  # the bureaus a listening handler's context can read

checklists = _plugin(
    "checklists",
    anjian_plugin_info=lambda: PluginInfo(title="示例检查表"),
    anjian_templates=lambda: [SITE_CHECK],
)

checklists_v2 = _plugin(
    "checklists_v2",
    anjian_plugin_info=lambda: PluginInfo(title="示例检查表（新版）"),
    anjian_templates=lambda: [site_check_v("1.0.0"), site_check_v("1.1.0", extra_item=True)],
)


def _raise(event):  # noqa: ANN001
    raise RuntimeError(f"示例插件处理事件 {event.name} 时出错")


def _record(event):  # noqa: ANN001
    from sqlalchemy import select

    from tenants.models import Tenant
    RECEIVED.append((event.name, event.tenant_id, event.payload.get("action")))
    SEEN.append(set(event.ctx.session.scalars(select(Tenant.region_code).where(Tenant.kind == "bureau"))))


raising = _plugin("raising", anjian_on_event=_raise)
listening = _plugin("listening", anjian_on_event=_record)

misspelt = _plugin("misspelt", anjian_templatez=lambda: [])
bad_signature = _plugin("bad_signature", anjian_on_event=lambda event, extra: None)
bad_template = _plugin("bad_template", anjian_templates=lambda: [{"kind": "checklist", "id": "Bad Id",
                                                                    "version": "1", "title": "", "sections": []}])


def _csv(title, headers, rows):  # noqa: ANN001, ANN202
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _formats():  # noqa: ANN202
    from core.hookspecs import ExportFormat
    return [ExportFormat(id="csv", title="CSV（逗号分隔）", extension="csv", content_type="text/csv; charset=utf-8",
                         render=_csv)]


def _menu():  # noqa: ANN202
    from core.hookspecs import MenuItem
    return [MenuItem(endpoint="sample_pages.hello", label="示例插件页面", tenant_kind="enterprise")]


def _blueprints():  # noqa: ANN202
    from flask import Blueprint

    from core.web import request as req
    bp = Blueprint("sample_pages", __name__, url_prefix="/x/sample")

    @bp.get("/hello")
    def hello():  # noqa: ANN202
        return f"你好，{req.ctx().actor.username}"
    return [bp]


def _commands():  # noqa: ANN202
    import click

    @click.command("sample-hello")
    def hello() -> None:
        """示例插件命令。"""
        click.echo("示例插件命令已运行")
    return [hello]


extras = _plugin("extras", anjian_export_formats=_formats, anjian_menu_items=_menu,
                 anjian_blueprints=_blueprints, anjian_cli_commands=_commands)


def _clashing_blueprints():  # noqa: ANN202
    from flask import Blueprint
    return [Blueprint("files", __name__, url_prefix="/x/clash")]


def _broken_menu():  # noqa: ANN202
    raise RuntimeError("menu broken")


def _bad_pages():  # noqa: ANN202
    from flask import Blueprint
    bp = Blueprint("bad_pages", __name__, url_prefix="/x/bad")
    bp.add_url_rule("/hello", "hello", lambda: "bad pages")
    return [bp]


def _menu_to_nowhere():  # noqa: ANN202
    from core.hookspecs import MenuItem
    return [MenuItem(endpoint="bad_pages.hello", label="能打开的页面"),
            MenuItem(endpoint="bad_pages.nowhere", label="打不开的页面")]


clashing = _plugin("clashing", anjian_blueprints=_clashing_blueprints)
broken_menu = _plugin("broken_menu", anjian_menu_items=_broken_menu)
bad_menu_endpoint = _plugin("bad_menu_endpoint", anjian_blueprints=_bad_pages, anjian_menu_items=_menu_to_nowhere)


def _menu_of(label: str):  # noqa: ANN202
    def menu():  # noqa: ANN202
        from core.hookspecs import MenuItem
        return [MenuItem(endpoint="main.dashboard", label=label)]
    return menu


# Without markers pluggy calls the last registered first (entry points load by name, so
# "order_b" before "order_a"); tryfirst and trylast override that.
order_a = types.SimpleNamespace(anjian_menu_items=hookimpl(trylast=True)(_menu_of("排序甲")))
order_b = types.SimpleNamespace(anjian_menu_items=hookimpl(_menu_of("排序乙")))
order_c = types.SimpleNamespace(anjian_menu_items=hookimpl(tryfirst=True)(_menu_of("排序丙")))


def _formats_of(*ids: str):  # noqa: ANN202
    def formats():  # noqa: ANN202
        from core.hookspecs import ExportFormat
        return [ExportFormat(id=i, title=f"格式 {i}", extension="txt", content_type="text/plain", render=_csv)
                for i in ids]
    return formats


twice_the_same_format = _plugin("twice_the_same_format", anjian_export_formats=_formats_of("tsv", "tsv"))
format_named_xlsx = _plugin("format_named_xlsx", anjian_export_formats=_formats_of("xlsx"))
another_csv = _plugin("another_csv", anjian_export_formats=_formats_of("csv"))


# --- background jobs and sweeps of a plugin ---

def export_tenants(ctx, job, progress) -> dict:  # noqa: ANN001
    """A plugin job: lists the tenants its caller can see (through the plugin's own reads)."""
    from core.plugin_api import get_tenant
    me = get_tenant(ctx, job.tenant_id)
    progress(1, 1, "完成")
    return {"summary": f"已为“{me.name}”导出", "tenant": me.name}


def count_visible_bureaus(ctx) -> str:  # noqa: ANN001
    """A plugin sweep: says which bureaus its scoped context can see."""
    from sqlalchemy import select

    from tenants.models import Tenant
    names = ctx.session.scalars(select(Tenant.name).where(Tenant.kind == "bureau").order_by(Tenant.path)).all()
    return "、".join(names)


def _jobs():  # noqa: ANN202
    from core.plugin_api import JobKind
    return [JobKind("jobbing.export", "tests.plugins.sample_plugins:export_tenants", "插件导出",
                    roles=("admin", "officer"))]


def _sweeps():  # noqa: ANN202
    from core.plugin_api import Sweep
    return [Sweep("jobbing.look_around", "tests.plugins.sample_plugins:count_visible_bureaus")]


jobbing = _plugin("jobbing", anjian_job_kinds=_jobs, anjian_sweeps=_sweeps)
# A kind the core has already: the plugin fails, the core's kind stays the core's.
def _core_kind():  # noqa: ANN202
    from core.plugin_api import JobKind
    return [JobKind("audit.verify", "tests.plugins.sample_plugins:export_tenants", "冒名任务")]


job_clash = _plugin("job_clash", anjian_job_kinds=_core_kind)
not_a_job = _plugin("not_a_job", anjian_job_kinds=lambda: ["jobbing.export"])
