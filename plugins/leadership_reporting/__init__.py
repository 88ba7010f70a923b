"""履职述职与计分考核 (content arrives with its own issue)."""
from core.hookspecs import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="安全生产履职述职",
                      description="班组长、车间主任、分管副总、总经理逐级述职；主要负责人述职由应急管理部门计分考核。")
