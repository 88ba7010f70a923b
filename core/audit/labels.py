"""How the audit trail reads to a person: every action and object type by its Chinese name.

An action missing here still shows (by its summary); a test compares this table with the
actions the code records, so a new action gets its name when it is added.
"""
from __future__ import annotations

from core.i18n import mark as _

ACTIONS = {
    "audit.sign_head": _("签署审计链头"),
    "calendar.load": _("导入节假日安排"),
    "calendar.seed": _("载入节假日安排（内置）"),
    "campaign.launch": _("拟定专项整治"),
    "campaign.update": _("修改专项整治"),
    "campaign.notice": _("上传专项整治通知"),
    "campaign.publishing": _("开始发布专项整治"),
    "campaign.publish": _("发布专项整治"),
    "campaign_task.save": _("填报专项整治工作"),
    "campaign_task.submit": _("提交专项整治工作"),
    "campaign_task.complete": _("办结专项整治工作"),
    "campaign_task.accept": _("专项整治工作审核通过"),
    "campaign_task.return": _("退回专项整治工作"),
    "inspection.start": _("开始督查检查"),
    "inspection.save": _("保存督查检查记录"),
    "inspection.photo": _("上传检查照片"),
    "inspection.complete": _("完成督查检查"),
    "checklist.start": _("开始自查"),
    "checklist.answers": _("填写检查表"),
    "checklist.submit": _("提交检查表"),
    "checklist.accept": _("检查表通过"),
    "checklist.return": _("退回检查表"),
    "drill.record": _("登记演练"),
    "file.upload": _("上传文件"),
    "file.generate": _("生成文书"),
    "filing.create": _("创建备案"),
    "filing.material.add": _("上传备案材料"),
    "filing.material.remove": _("删除备案材料"),
    "filing.submit": _("提交备案"),
    "filing.resubmit": _("补正后重新提交"),
    "filing.return": _("退回补正"),
    "filing.accept": _("准予备案"),
    "filing.withdraw": _("撤回备案"),
    "filing.deem": _("逾期视为备案"),
    "filing.supersede": _("被新版本替代"),
    "filing.recount": _("重新计算期限"),
    "filing.evaluation": _("登记预案评估"),
    "filing.revision": _("创建修订版本"),
    "filing.revision_trigger": _("登记修订情形"),
    "filing.revision_settled": _("修订情形办结"),
    "filing.settings": _("修改备案设置"),
    "job.enqueue": _("提交任务"),
    "hazard.start": _("开始整改"),
    "hazard.complete": _("整改完成"),
    "hazard.verify": _("验收销号"),
    "hazard.reject": _("验收不通过"),
    "hazard.bureau_verify": _("核查销号"),
    "hazard.reopen": _("回头看：重新整改"),
    "hazard.plan": _("制定治理方案"),
    "hazard.register": _("登记隐患"),
    "hazard.report": _("验收并报请核查"),
    "hazard.evidence": _("上传整改资料"),
    "hazard.supervise": _("挂牌督办"),
    "hazard.extension_request": _("申请延期"),
    "hazard.extension_decide": _("审批延期"),
    "ledger.import": _("导入台账"),
    "ledger.import_rejected": _("台账导入未通过校验"),
    "job.retry": _("重试任务"),
    "plugin.enable": _("启用插件"),
    "plugin.disable": _("停用插件"),
    "plugin.inherit": _("插件改为沿用上级设置"),
    "section.create": _("新建股室"),
    "tenant.create": _("新建单位"),
    "tenant.update": _("修改单位信息"),
    "tenant.single_low_risk": _("认定风险单一、危险性小"),
    "token.create": _("创建API令牌"),
    "token.revoke": _("吊销API令牌"),
    "user.create": _("新建用户"),
    "user.update": _("修改用户"),
    "user.password": _("修改密码"),
    # Security events: a bureau admin filters them under 用户 (account events, admins only).
    "user.login": _("登录"),
    "user.login_failed": _("登录失败"),
    "user.locked": _("登录失败次数过多，已锁定"),
}

OBJECT_TYPES = {
    "api_token": _("API令牌"),
    "audit_head": _("审计链头"),
    "calendar_year": _("节假日安排"),
    "campaign": _("专项整治"),
    "campaign_task": _("专项整治工作"),
    "inspection": _("督查检查"),
    "checklist": _("检查表"),
    "drill": _("演练"),
    "file": _("文件"),
    "filing": _("预案备案"),
    "filing_settings": _("备案设置"),
    "hazard": _("隐患"),
    "job": _("任务"),
    "ledger_import": _("台账导入"),
    "plugin": _("插件"),
    "section": _("股室"),
    "tenant": _("单位"),
    "user": _("用户"),
}


# The area each action belongs to, by the first part of its code: the object type whose
# name heads the action filter's group. In the order the filter lists them.
AREAS = {"filing": "filing", "drill": "drill", "checklist": "checklist", "campaign": "campaign",
         "campaign_task": "campaign_task", "inspection": "inspection", "file": "file", "tenant": "tenant",
         "section": "section", "user": "user", "token": "api_token", "job": "job", "ledger": "ledger_import", "hazard": "hazard",
         "plugin": "plugin",
         "calendar": "calendar_year", "audit": "audit_head"}


def action_groups() -> list[tuple[str, list[str]]]:
    """(object type, action codes) for the action filter, each group in the order of ACTIONS."""
    groups: dict[str, list[str]] = {area: [] for area in AREAS.values()}
    for code in ACTIONS:
        groups.setdefault(AREAS.get(code.split(".", 1)[0], "other"), []).append(code)
    return [(area, codes) for area, codes in groups.items() if codes]


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def object_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)
