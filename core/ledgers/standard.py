"""The core's standard ledger types, declared in the ledger template format a plugin would
use: the 隐患排查治理台账, on which the hazard loop (排查→登记→整改→验收→销号) runs, and the
安全风险分级管控清单 (风险分级管控, the other half of 双重预防: each risk point with its
四色 level and controls; a hazard names the risk point whose control failed)."""
from __future__ import annotations

SOURCES = ("日常排查", "专项检查", "季节性检查", "节假日前检查", "上级督查", "举报", "回头看", "其他")
CATEGORIES = ("基础管理类", "现场管理类")
LEVELS = ("一般", "重大")

HAZARD_LEDGER = {
    "kind": "ledger", "id": "hazards", "version": "1.1.0", "title": "隐患排查治理台账",
    "basis": "《安全生产法》第四十一条；《安全生产事故隐患排查治理暂行规定》",
    "columns": [
        {"id": "code", "header": "隐患编号", "type": "text", "required": True, "key": True, "max_length": 50,
         "help": "企业自编，如 YH-2024-001"},
        {"id": "source", "header": "来源", "type": "enum", "required": True, "choices": list(SOURCES)},
        {"id": "found_on", "header": "排查日期", "type": "date", "required": True},
        {"id": "found_by", "header": "排查人", "type": "person", "required": True},
        {"id": "department", "header": "责任部门", "type": "text", "required": True, "max_length": 100},
        {"id": "location", "header": "部位/装置", "type": "text", "required": True, "max_length": 200},
        {"id": "description", "header": "隐患描述", "type": "text", "required": True, "max_length": 1000},
        {"id": "category", "header": "类别", "type": "enum", "required": True, "choices": list(CATEGORIES)},
        {"id": "level", "header": "等级", "type": "enum", "required": True, "choices": list(LEVELS)},
        {"id": "basis", "header": "判定依据", "type": "text", "max_length": 300,
         "help": "重大隐患必填：所依据的判定标准条款，如《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第5项"},
        {"id": "measures", "header": "整改措施", "type": "text", "required": True, "max_length": 1000},
        {"id": "owner", "header": "整改责任人", "type": "person", "required": True},
        {"id": "due_on", "header": "整改期限", "type": "date", "required": True},
        {"id": "funds", "header": "整改资金(万元)", "type": "number"},
        {"id": "interim", "header": "临时管控措施", "type": "text", "max_length": 500},
        {"id": "completed_on", "header": "完成日期", "type": "date"},
        {"id": "verified_by", "header": "验收人", "type": "person"},
        {"id": "verified_on", "header": "验收日期", "type": "date"},
        {"id": "verdict", "header": "验收意见", "type": "text", "max_length": 500},
        {"id": "risk_point", "header": "风险点编号", "type": "text", "max_length": 50,
         "help": "管控失效的风险点：本企业安全风险分级管控清单中的风险点编号"},
    ],
    "rules": [
        {"kind": "required_when", "column": "basis", "other": "level", "equals": "重大"},
        {"kind": "differ", "column": "verified_by", "other": "owner"},
        {"kind": "not_before", "column": "due_on", "other": "found_on"},
        {"kind": "not_before", "column": "completed_on", "other": "found_on"},
        {"kind": "not_before", "column": "verified_on", "other": "completed_on"},
        {"kind": "required_when", "column": "completed_on", "other": "verified_on"},
        {"kind": "required_when", "column": "verified_by", "other": "verified_on"},
    ],
}

# 四色: 重大风险 red, 较大 orange, 一般 yellow, 低 blue.
RISK_LEVELS = {"重大风险": "红", "较大风险": "橙", "一般风险": "黄", "低风险": "蓝"}
CONTROL_LEVELS = ("公司级", "车间级", "班组级", "岗位级")

RISK_LEDGER = {
    "kind": "ledger", "id": "risk_points", "version": "1.0.0", "title": "安全风险分级管控清单",
    "basis": "《安全生产法》第四十一条；《关于实施遏制重特大事故工作指南构建双重预防机制的意见》",
    "columns": [
        {"id": "code", "header": "风险点编号", "type": "text", "required": True, "key": True, "max_length": 50,
         "help": "企业自编，如 FX-001；隐患台账的“风险点编号”引用它"},
        {"id": "name", "header": "风险点", "type": "text", "required": True, "max_length": 100,
         "help": "场所、装置、设施或作业活动，如 甲醇储罐区"},
        {"id": "description", "header": "风险描述", "type": "text", "required": True, "max_length": 500},
        {"id": "accident", "header": "可能导致的事故类型", "type": "text", "required": True, "max_length": 100,
         "help": "如 火灾、爆炸、中毒和窒息"},
        {"id": "level", "header": "风险等级", "type": "enum", "required": True, "choices": list(RISK_LEVELS),
         "help": "重大风险（红）、较大风险（橙）、一般风险（黄）、低风险（蓝）"},
        {"id": "measures", "header": "管控措施", "type": "text", "required": True, "max_length": 1000},
        {"id": "control_level", "header": "管控层级", "type": "enum", "required": True, "choices": list(CONTROL_LEVELS)},
        {"id": "owner", "header": "责任人", "type": "person", "required": True},
    ],
    "rules": [],
}
