"""危险化学品生产安全事故警示月专项整治 (seed 004). Its campaign template needs campaigns,
which the platform does not run yet: until then the plugin only presents itself."""
from core.plugin_api import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="危险化学品生产安全事故警示月专项整治",
                      description="本版本暂未提供模板。警示月专项整治（六项重点工作、三个阶段、企业自查与部门检查期限、"
                                  "总结报告）将随专项整治功能提供。")
