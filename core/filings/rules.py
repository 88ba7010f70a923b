"""The statutory rules of emergency-plan filing (应急预案备案), one named function each.

Source: 《生产安全事故应急预案管理办法》 (原国家安全监管总局令第88号, amended by 应急管理部令第2号,
2019). Working-day limits use the core calendar (public holidays and 调休 make-up days), and
say so when a year's holiday notice is not loaded yet (WorkdayResult.estimated).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.calendar.service import WorkdayResult, add_working_days
from tenants.models import HAZCHEM_INDUSTRIES

FILING_LIMIT_WORKING_DAYS = 20
REVIEW_LIMIT_WORKING_DAYS = 5
REVIEW_REMINDER_WORKING_DAY = 4
EVALUATION_REMINDER_DAYS = (90, 30, 0)

# 第二十一条: units whose plans must be reviewed (评审) by experts before publication.
REVIEW_REQUIRED_INDUSTRIES = HAZCHEM_INDUSTRIES | {"non_coal_mine", "coal_mine", "metallurgy", "fireworks",
                                                   "oil_gas"}
# 第三十四条(报送): units that report their drills to the county bureau.
DRILL_REPORTING_INDUSTRIES = REVIEW_REQUIRED_INDUSTRIES
# 第三十五条: units that must evaluate (评估) their plans every three years.
EVALUATION_EVERY_3_YEARS = REVIEW_REQUIRED_INDUSTRIES

# 第二十七条 materials, with whether each is required for a unit of the given kind.
MATERIALS = {
    "application_form": "应急预案备案申报表",
    "comprehensive_plan": "综合应急预案",
    "special_plans": "专项应急预案",
    "onsite_plans": "现场处置方案",
    "disposal_cards": "应急处置卡",
    "review_opinion": "应急预案评审或论证意见",
    "risk_assessment": "风险评估结果",
    "resource_survey": "应急资源调查清单",
}

# Always required, whatever a bureau configures.
STATUTORY_MATERIALS = frozenset({"application_form", "comprehensive_plan", "risk_assessment", "resource_survey"})

# 第三十六条: the six circumstances in which a plan must be revised.
REVISION_TRIGGERS = {
    "law_changed": "依据的法律、法规、规章、标准及上位预案中的有关规定发生重大变化",
    "command_changed": "应急指挥机构及其职责发生调整",
    "risk_changed": "安全生产面临的风险发生重大变化",
    "resources_changed": "重要应急资源发生重大变化",
    "drill_problems": "在应急演练和事故应急救援中发现需要修订预案的重大问题",
    "other": "编制单位认为应当修订的其他情况",
}
# 第三十七条: a revision touching these must be filed again.
REFILING_CHANGES = {
    "command_system": "组织指挥体系与职责",
    "procedures": "应急处置程序",
    "measures": "主要处置措施",
    "response_levels": "应急响应分级",
}


def filing_deadline(session: Session, published_on: date) -> WorkdayResult:
    """第二十六条: a unit files its plans within 20 working days of their publication (公布)."""
    return add_working_days(session, published_on, FILING_LIMIT_WORKING_DAYS)


def is_late_filing(session: Session, published_on: date, submitted_on: date) -> bool:
    """第二十六条: a submission after the 20-working-day limit is accepted but flagged late."""
    return submitted_on > filing_deadline(session, published_on).date


def review_deadline(session: Session, received_on: date) -> WorkdayResult:
    """第二十八条: the bureau checks the materials (形式审查) within 5 working days of receipt."""
    return add_working_days(session, received_on, REVIEW_LIMIT_WORKING_DAYS)


def review_reminder_date(session: Session, received_on: date) -> date:
    """The working day on which reviewers are reminded, before the 5-day limit runs out."""
    return add_working_days(session, received_on, REVIEW_REMINDER_WORKING_DAY).date


def is_deemed_filed(session: Session, received_on: date, today: date) -> bool:
    """第二十八条: 逾期不予备案又不说明理由的，视为已经备案 — once the 5th working day after
    receipt has passed with neither acceptance nor a return, the plan counts as filed."""
    return today > review_deadline(session, received_on).date


def required_materials(industry: str | None, overrides: dict[str, bool] | None = None) -> dict[str, bool]:
    """第二十七条 (materials) with 第二十一条 (units that must have their plans reviewed):
    material key → required. A bureau may tighten or relax the list with `overrides`,
    except the statutory core (申报表, 综合预案, 风险评估, 资源调查) which stays required."""
    required = {key: key not in ("special_plans", "disposal_cards", "review_opinion") for key in MATERIALS}
    required["review_opinion"] = industry in REVIEW_REQUIRED_INDUSTRIES
    for key, value in (overrides or {}).items():
        if key == "review_opinion" and industry in REVIEW_REQUIRED_INDUSTRIES:
            continue  # 第二十一条 units must have their plans reviewed: no bureau may waive it
        if key in MATERIALS and key not in STATUTORY_MATERIALS:
            required[key] = bool(value)
    return required


def evaluation_due(published_on: date, industry: str | None, years: int | None = None) -> date | None:
    """第三十五条: hazardous-chemical and similar units evaluate their plans every three years
    (other units "regularly"; a bureau may set `years` for them). None: no fixed cycle."""
    cycle = years if years is not None else (3 if industry in EVALUATION_EVERY_3_YEARS else None)
    if cycle is None:
        return None
    try:
        return published_on.replace(year=published_on.year + cycle)
    except ValueError:  # 29 February
        return published_on.replace(year=published_on.year + cycle, day=28)


def evaluation_reminders(due: date) -> list[date]:
    """Reminder dates before an evaluation falls due: 90, 30 and 0 days ahead."""
    return [due - timedelta(days=d) for d in EVALUATION_REMINDER_DAYS]


def revision_requires_refiling(changed: set[str]) -> bool:
    """第三十七条: a revision that changes the command system, procedures, main measures or
    response levels follows the drafting procedure again and is filed again."""
    return bool(set(changed) & REFILING_CHANGES.keys())


@dataclass(frozen=True)
class DrillObligation:
    kind: str           # comprehensive_or_special | onsite
    label: str
    last: date | None
    due: date
    overdue: bool


def _months_later(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def drill_obligations(today: date, *, last_comprehensive_or_special: date | None, onsite_last: dict[str, date | None],
                      since: date) -> list[DrillObligation]:
    """第三十三条: at least one comprehensive or special-plan drill a year, and every on-site
    disposal plan (现场处置方案) drilled at least every half year. `since` is when the
    obligation started (the filing's acceptance) for plans never drilled."""
    out = []
    start = last_comprehensive_or_special or since
    due = _months_later(start, 12)
    out.append(DrillObligation("comprehensive_or_special", "综合或专项应急预案演练（每年至少一次）",
                               last_comprehensive_or_special, due, today > due))
    for plan, last in sorted(onsite_last.items()):
        due = _months_later(last or since, 6)
        out.append(DrillObligation("onsite", f"现场处置方案“{plan}”演练（每半年至少一次）", last, due, today > due))
    return out
