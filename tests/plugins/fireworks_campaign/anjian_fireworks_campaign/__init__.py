"""烟花爆竹安全专项检查: a sample third-party Anjian plugin, written the way an outside vendor
would, from docs/plugins.md and core.plugin_api alone.

It contributes one campaign template (专项整治), kept as JSON package data in
templates/fireworks_season.json; the template's id and version are read from that file, so
a new release changes the JSON (and the distribution version in pyproject.toml) only.
"""
from __future__ import annotations

import json
from importlib.resources import files

from core.plugin_api import PluginInfo, hookimpl

TEMPLATE = "fireworks_season.json"


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="烟花爆竹安全专项检查",
        description="提供春节前烟花爆竹安全专项检查的专项整治模板：动员部署、自查整改、督查检查三个阶段，"
                    "企业逐项自查（仓库储存限量、防火间距、消防器材、“超范围、超许可量”储存、临时零售点、"
                    "从业人员培训持证）、整改报告、股室队督查检查和问题整改台账。",
    )


def season_template() -> dict:
    """The campaign template as shipped in this release (its version is the file's)."""
    return json.loads((files(__name__) / "templates" / TEMPLATE).read_text(encoding="utf-8"))


@hookimpl
def anjian_templates() -> list[dict]:
    return [season_template()]
