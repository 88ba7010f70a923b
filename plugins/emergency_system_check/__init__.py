"""应急体系现场管理检查考核 (seed 000): the seven-area checklist an enterprise fills as a
self-check (检查表自查) and its bureau reviews, and the 应急物资台账 the seed asks for —
monthly stock-takes, instruments past their calibration date and expired supplies not
replaced — with a sweep that warns the enterprise before a date comes due. Scoring the
checklist arrives with scoring sheets."""
from __future__ import annotations

import json
from datetime import timedelta
from importlib.resources import files
from urllib.parse import quote

from core.plugin_api import (
    PluginInfo,
    ServiceContext,
    Sweep,
    beijing_today,
    hookimpl,
    list_ledger_rows,
    notify_role,
)

SUPPLIES = "emergency_system_check.supplies"
WARN_DAYS = 30          # warned this long before an expiry or calibration date
DATES = {"expires_on": "有效期", "calibration_due": "检定有效期"}


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="应急体系现场管理检查考核",
                      description="提供检查表“应急体系现场管理检查考核表”：制度、预案、物资、培训、演练、监督检查、"
                                  "现场处置七个方面，供企业自查、应急管理部门审核；以及“应急物资台账”，物资临近或超过"
                                  "有效期、检定有效期时提醒企业。计分考核随计分考核功能提供。")


@hookimpl
def anjian_templates() -> list[dict]:
    folder = files(__package__) / "templates"
    return [json.loads(f.read_text(encoding="utf-8"))
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]


@hookimpl
def anjian_sweeps() -> list[Sweep]:
    return [Sweep("emergency_system_check.supplies", "plugins.emergency_system_check:sweep_supplies")]


def sweep_supplies(ctx: ServiceContext) -> str:
    """Each supply whose expiry or calibration date is within WARN_DAYS, or past, is told
    to its enterprise's officers once for that date (and once more when it passes)."""
    today = beijing_today()
    told = 0
    for row in list_ledger_rows(ctx, SUPPLIES):
        for column, what in DATES.items():
            due = row.values.get(column)
            if due is None or due > today + timedelta(days=WARN_DAYS):
                continue
            passed = due < today
            title = (f"应急物资“{row.values['name']}”（{row.key}）{what}" +
                     (f"已于{due.isoformat()}届满，请及时更换或送检" if passed else f"将于{due.isoformat()}届满"))
            told += notify_role(ctx, row.tenant_id, ("admin", "officer"), title,
                                body=f"存放地点：{row.values['location']}；保管人：{row.values['keeper']}",
                                link=f"/ledgers/types/{SUPPLIES}?q={quote(row.key)}",
                                dedupe_key=f"{SUPPLIES}:{row.id}:{column}:{due.isoformat()}:{'passed' if passed else 'soon'}")
    return f"{told} 条应急物资提醒"
