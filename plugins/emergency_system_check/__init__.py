"""应急体系现场管理检查考核 (seed 000): the seven-area checklist an enterprise fills as a
self-check (检查表自查) and its bureau reviews. Scoring it arrives with scoring sheets."""
from __future__ import annotations

import json
from importlib.resources import files

from core.plugin_api import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="应急体系现场管理检查考核",
                      description="提供检查表“应急体系现场管理检查考核表”：制度、预案、物资、培训、演练、监督检查、"
                                  "现场处置七个方面，供企业自查、应急管理部门审核。计分考核随计分考核功能提供。")


@hookimpl
def anjian_templates() -> list[dict]:
    folder = files(__package__) / "templates"
    return [json.loads(f.read_text(encoding="utf-8"))
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]
