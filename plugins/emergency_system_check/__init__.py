"""应急体系现场管理检查考核 (the scored checklist arrives with its own issue)."""
from core.hookspecs import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="应急体系现场管理检查考核",
                      description="制度、预案、物资、培训、演练、监督检查、现场处置七个方面的现场检查考核。")
