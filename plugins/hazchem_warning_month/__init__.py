"""危险化学品生产安全事故警示月专项整治 (campaign content arrives with its own issue)."""
from core.hookspecs import PluginInfo, hookimpl


@hookimpl
def anjian_plugin_info() -> PluginInfo:
    return PluginInfo(title="危险化学品生产安全事故警示月专项整治",
                      description="警示月六项重点工作、三个阶段、企业自查与部门检查期限、总结报告。")
