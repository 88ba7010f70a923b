"""重大事故隐患判定标准: the criteria by which a hazard is judged 重大, as versioned reference
data (the ledger area's `criteria` template kind). Ships the 20 items of 《化工和危险化学品
生产经营单位重大生产安全事故隐患判定标准（试行）》 for hazardous-chemical enterprises: once the
plugin is enabled, such an enterprise's 重大 hazard names one of them as its 判定依据. Other
industries' criteria are added the same way, one JSON file each."""
from __future__ import annotations

import json
from importlib.resources import files

from core.plugin_api import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="重大事故隐患判定标准",
                      description="提供《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》20项判定情形：危险化学品企业"
                                  "登记重大事故隐患时，判定依据须写明其中一项（如“第12项”）。")


@hookimpl
def anjian_templates() -> list[dict]:
    folder = files(__package__) / "templates"
    return [json.loads(f.read_text(encoding="utf-8"))
            for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]
