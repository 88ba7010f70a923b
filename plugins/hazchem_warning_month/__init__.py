"""危险化学品生产安全事故警示月专项整治 (seed 004): the campaign template of 2024年乌审旗
“危险化学品生产安全事故警示月”安全专项整治实施方案 (after 鄂安办发〔2024〕67号) — three
phases from 9月1日 to 10月15日, the six 工作内容 as work items with what each hands in, the
sections' 督查检查 and the enterprises' 总结报告. One JSON file per template version in
`templates/`."""
from __future__ import annotations

import json
from importlib.resources import files

from core.plugin_api import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="危险化学品生产安全事故警示月专项整治",
                      description="提供专项整治模板“危险化学品生产安全事故警示月安全专项整治”（依据鄂安办发〔2024〕67号）："
                                  "动员部署、专项整治、总结提升三个阶段；国务院约谈问题整改“回头看”、警示教育、履职述职、"
                                  "法律法规大学习、安全专项检查、安全大宣讲六项工作及各项报送内容；企业9月20日前完成自查自改，"
                                  "股室队9月30日前完成督查检查，企业报送总结报告。")


@hookimpl
def anjian_templates() -> list[dict]:
    folder = files(__package__) / "templates"
    return [json.loads(f.read_text(encoding="utf-8"))
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]
