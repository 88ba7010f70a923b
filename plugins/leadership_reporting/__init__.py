"""履职述职与计分考核. The reporting chain and its scoring sheet need campaigns and scoring,
which the platform does not run yet: until then the plugin only presents itself."""
from core.plugin_api import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="安全生产履职述职",
                      description="本版本暂未提供模板。班组长、车间主任、分管副总、总经理逐级述职，以及主要负责人述职的"
                                  "计分考核，将随专项整治和计分考核功能提供。")
