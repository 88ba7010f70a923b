"""The statutory rules of emergency-plan filing (应急预案备案), one named function each.

Source: 《生产安全事故应急预案管理办法》 (原国家安全监管总局令第88号, amended by 应急管理部令第2号,
2019). Working-day limits use the core calendar (public holidays and 调休 make-up days), and
say so when a year's holiday notice is not loaded yet (WorkdayResult.estimated).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core.calendar.service import (
    WorkdayResult,
    add_working_days,
    missing_years,
    working_days_between,
)
from core.i18n import mark as _
from core.workflow import OPEN, PASSED, UNCONFIRMED, Limit

FILING_LIMIT_WORKING_DAYS = 20
REVIEW_LIMIT_WORKING_DAYS = 5
REVIEW_REMINDER_WORKING_DAY = 4
EVALUATION_REMINDER_DAYS = (90, 30, 0)

# What a unit is, as the articles name it. Industry keys are tenants.models.INDUSTRIES.
MINES = frozenset({"coal_mine", "non_coal_mine", "oil_gas"})
# 易燃易爆物品、危险化学品等危险物品 by what the unit does with them. 第二十一条 defines 经营 as
# 带储存设施的 "下同" (and so for the articles after it): traders without storage, like
# fireworks retailers, fall under 第二十一、三十三、三十五条 only by their size.
DANGEROUS_GOODS_PRODUCTION = frozenset({"hazchem_production", "fireworks"})
DANGEROUS_GOODS_TRADE_WITH_STORAGE = frozenset({"hazchem_operation", "fireworks_wholesale"})
DANGEROUS_GOODS_STORAGE_TRANSPORT = frozenset({"hazchem_storage", "hazchem_transport"})
DANGEROUS_GOODS = DANGEROUS_GOODS_PRODUCTION | DANGEROUS_GOODS_TRADE_WITH_STORAGE | DANGEROUS_GOODS_STORAGE_TRANSPORT
FIREWORKS_PRODUCTION_WHOLESALE = frozenset({"fireworks", "fireworks_wholesale"})
CROWDED_PLACES = frozenset({"crowded_place"})  # 宾馆、商场、娱乐场所、旅游景区等人员密集场所
MEDIUM_OR_LARGER = frozenset({"large", "medium"})


@dataclass(frozen=True)
class UnitFacts:
    """What the articles read about a 生产经营单位: its industry, its size class (大中小微),
    whether its use of hazardous chemicals reaches the national quantities (使用危险化学品
    达到国家规定数量), and whether its bureau found its risk single and low (第十五条)."""

    industry: str | None
    size: str | None = None
    hazchem_quantity: bool = False
    single_low_risk: bool = False

    @classmethod
    def of(cls, tenant) -> "UnitFacts":  # noqa: ANN001
        return cls(tenant.industry, getattr(tenant, "size_class", None),
                   bool(getattr(tenant, "hazchem_quantity", False)), bool(getattr(tenant, "single_low_risk", False)))

    @property
    def chemical_user(self) -> bool:
        return self.industry == "hazchem_use" and self.hazchem_quantity

    @property
    def medium_or_larger(self) -> bool:
        return self.size in MEDIUM_OR_LARGER


def _facts(unit: "UnitFacts | str | None") -> UnitFacts:
    return unit if isinstance(unit, UnitFacts) else UnitFacts(unit)


# Industries whose every unit falls under the article, whatever its size or quantities
# (a bureau may not relax these); other units fall under it by their facts.
REVIEW_REQUIRED_INDUSTRIES = MINES | {"metallurgy"} | DANGEROUS_GOODS | FIREWORKS_PRODUCTION_WHOLESALE
KEY_DRILL_INDUSTRIES = DANGEROUS_GOODS | MINES | {"metallurgy", "urban_rail", "construction"} | CROWDED_PLACES
EVALUATION_EVERY_3_YEARS = MINES | {"metallurgy", "construction"} | DANGEROUS_GOODS | FIREWORKS_PRODUCTION_WHOLESALE


def review_required(unit: "UnitFacts | str | None") -> bool:
    """第二十一条: 矿山、金属冶炼企业和易燃易爆物品、危险化学品的生产、经营（带储存设施的）、储存、
    运输企业，以及使用危险化学品达到国家规定数量的化工企业、烟花爆竹生产、批发经营企业和中型规模以上
    的其他生产经营单位 have their plans reviewed (评审); other units may have them 论证ed."""
    f = _facts(unit)
    return f.industry in REVIEW_REQUIRED_INDUSTRIES or f.chemical_user or f.medium_or_larger


def key_drill_unit(unit: "UnitFacts | str | None") -> bool:
    """第三十三条第二款: 易燃易爆物品、危险化学品等危险物品的生产、经营、储存、运输单位，矿山、金属冶炼、
    城市轨道交通运营、建筑施工单位，以及宾馆、商场、娱乐场所、旅游景区等人员密集场所经营单位 drill at
    least every half year and report each drill to the county bureau."""
    return _facts(unit).industry in KEY_DRILL_INDUSTRIES


def key_drill_unit_where(industry: ColumnElement) -> ColumnElement[bool]:
    """key_drill_unit as a condition on a tenant's industry column, for counts made in the
    database (the article reads nothing of a unit but its industry)."""
    return industry.in_(sorted(KEY_DRILL_INDUSTRIES))


def evaluates_every_3_years(unit: "UnitFacts | str | None") -> bool:
    """第三十五条: 矿山、金属冶炼、建筑施工企业和易燃易爆物品、危险化学品等危险物品的生产、经营、储存、
    运输企业、使用危险化学品达到国家规定数量的化工企业、烟花爆竹生产、批发经营企业和中型规模以上的其他
    生产经营单位 evaluate their plans every three years (others "regularly")."""
    f = _facts(unit)
    return f.industry in EVALUATION_EVERY_3_YEARS or f.chemical_user or f.medium_or_larger


# 第二十七条 materials, with whether each is required for a unit of the given kind.
MATERIALS = {
    "application_form": _("应急预案备案申报表"),
    "comprehensive_plan": _("综合应急预案"),
    "special_plans": _("专项应急预案"),
    "onsite_plans": _("现场处置方案"),
    "disposal_cards": _("应急处置卡"),
    "review_opinion": _("应急预案评审或论证意见"),
    "risk_assessment": _("风险评估结果"),
    "resource_survey": _("应急资源调查清单"),
}

# Always required, whatever a bureau configures (for a 第十五条 unit see statutory_materials).
STATUTORY_MATERIALS = frozenset({"application_form", "comprehensive_plan", "risk_assessment", "resource_survey"})

# 第三十六条: the six circumstances in which a plan must be revised.
REVISION_TRIGGERS = {
    "law_changed": _("依据的法律、法规、规章、标准及上位预案中的有关规定发生重大变化"),
    "command_changed": _("应急指挥机构及其职责发生调整"),
    "risk_changed": _("安全生产面临的风险发生重大变化"),
    "resources_changed": _("重要应急资源发生重大变化"),
    "drill_problems": _("在应急演练和事故应急救援中发现需要修订预案的重大问题"),
    "other": _("编制单位认为应当修订的其他情况"),
}
# 第三十七条: a revision touching these must be filed again.
REFILING_CHANGES = {
    "command_system": _("组织指挥体系与职责"),
    "procedures": _("应急处置程序"),
    "measures": _("主要处置措施"),
    "response_levels": _("应急响应分级"),
}


def filing_deadline(session: Session, published_on: date) -> WorkdayResult:
    """第二十六条: a unit files its plans within 20 working days of their publication (公布)."""
    return add_working_days(session, published_on, FILING_LIMIT_WORKING_DAYS)


def late_filing(session: Session, published_on: date, submitted_on: date) -> bool | None:
    """第二十六条: whether a first submission on `submitted_on` came after the 20-working-day
    limit (it is accepted but flagged late). None while that cannot be told: a day the
    count depends on lies in a year whose holiday notice is not loaded. The answer depends
    only on the days from publication up to the submission, so a submission made before
    the unknown year starts is judged exactly."""
    limit = filing_deadline(session, published_on)
    if not limit.estimated:
        return submitted_on > limit.date
    last = submitted_on - timedelta(days=1)
    if last <= published_on:
        return False
    if missing_years(session, published_on + timedelta(days=1), last):
        return None
    # Late means the 20th working day fell before the submission day.
    return working_days_between(session, published_on, last) >= FILING_LIMIT_WORKING_DAYS


def is_late_filing(session: Session, published_on: date, submitted_on: date) -> bool:
    """late_filing, for dates whose calendar is known (an unknown answer counts as not late)."""
    return bool(late_filing(session, published_on, submitted_on))


# 第二十八条: the bureau checks the materials (形式审查) within 5 working days of receipt;
# reviewers are reminded on the 4th. Declared on the filing workflow's 待审查 state.
REVIEW_LIMIT = Limit(REVIEW_LIMIT_WORKING_DAYS, remind_at=REVIEW_REMINDER_WORKING_DAY)
# The state of the review limit on a given day (core.workflow's names).
LIMIT_OPEN, LIMIT_PASSED, LIMIT_UNCONFIRMED = OPEN, PASSED, UNCONFIRMED


def review_deadline(session: Session, received_on: date) -> WorkdayResult:
    """The last day of the 5-working-day review (estimated when it reaches an unknown year)."""
    return REVIEW_LIMIT.due(session, received_on)


def review_reminder_date(session: Session, received_on: date) -> date:
    """The working day on which reviewers are reminded, before the 5-day limit runs out."""
    return REVIEW_LIMIT.reminder(session, received_on)


def review_limit_state(session: Session, received_on: date, today: date) -> str:
    """第二十八条: 逾期不予备案又不说明理由的，视为已经备案 — once the 5th working day after
    receipt has passed with neither acceptance nor a return, the plan counts as filed.

    Deeming issues a 备案编号 and cannot be undone, so it is never done on a guess: when a
    day of the count lies in a year whose holiday notice is not loaded, a limit that has
    passed on the Monday–Friday estimate is LIMIT_UNCONFIRMED until the notice is loaded."""
    return REVIEW_LIMIT.state(session, received_on, today)


def is_deemed_filed(session: Session, received_on: date, today: date) -> bool:
    """Whether the review limit has certainly passed (see review_limit_state)."""
    return review_limit_state(session, received_on, today) == LIMIT_PASSED


def required_materials(unit: "UnitFacts | str | None", overrides: dict[str, bool] | None = None) -> dict[str, bool]:
    """第二十七条 (materials) with 第二十一条 (units that must have their plans reviewed) and
    第十五条 (a unit whose risk is single and low may file only its 现场处置方案): material key
    → required. A bureau may require more with `overrides`, never less than the statute:
    the statutory core stays required, and so does the 评审意见 of a 第二十一条 unit."""
    f = _facts(unit)
    required = {key: key not in ("special_plans", "disposal_cards", "review_opinion") for key in MATERIALS}
    required["review_opinion"] = review_required(f)
    statutory = statutory_materials(f)
    if f.single_low_risk:
        required["comprehensive_plan"] = False
    for key, value in (overrides or {}).items():
        if key == "review_opinion" and required["review_opinion"]:
            continue  # 第二十一条 units must have their plans reviewed: no bureau may waive it
        if key in MATERIALS and key not in statutory:
            required[key] = bool(value)
    return required


def statutory_materials(unit: "UnitFacts | str | None") -> frozenset[str]:
    """Materials no bureau setting can make optional: the 申报表, 风险评估结果 and 应急资源调查
    清单 (第二十七条), and the 综合应急预案 — or, for a 第十五条 unit, its 现场处置方案."""
    plans = "onsite_plans" if _facts(unit).single_low_risk else "comprehensive_plan"
    return frozenset({"application_form", "risk_assessment", "resource_survey", plans})


def evaluation_due(published_on: date, unit: "UnitFacts | str | None", years: int | None = None) -> date | None:
    """第三十五条: listed units evaluate their plans every three years (a bureau may shorten
    it, never lengthen it); others "regularly", on a cycle the bureau may set (`years`).
    None: no fixed cycle."""
    if evaluates_every_3_years(unit):
        cycle = min(years, 3) if years else 3
    else:
        cycle = years
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
    kind: str           # comprehensive_or_special | onsite | any_half_year
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


def drill_overdue_before(today: date, months: int) -> date:
    """drill_obligations' `today > due` asked of the start instead, so that a database can
    count it: an obligation due `months` after `start` (the last drill, else the filing) is
    overdue on `today` exactly when `start` is before the day returned. _months_later never
    goes back as its start moves on, so the overdue starts are all those before the first
    start that is not overdue."""
    start = _months_later(today, -months) - timedelta(days=4)  # overdue whatever the month ends
    while today > _months_later(start, months):
        start += timedelta(days=1)
    return start


def drill_obligations(today: date, *, last_comprehensive_or_special: date | None, onsite_last: dict[str, date | None],
                      since: date, key_unit: bool = False, last_any: date | None = None) -> list[DrillObligation]:
    """第三十三条: at least one comprehensive or special-plan drill a year, and every on-site
    disposal plan (现场处置方案) drilled at least every half year; a key unit of its second
    paragraph (see key_drill_unit) holds some drill at least every half year, whatever plans
    it has — a separate obligation only when it has no on-site plan, whose half-yearly
    drills already meet it. `since` is when the obligation started (the filing's
    acceptance) for plans never drilled; `last_any` the unit's latest drill of any kind."""
    out = []
    start = last_comprehensive_or_special or since
    due = _months_later(start, 12)
    out.append(DrillObligation("comprehensive_or_special", "综合或专项应急预案演练（每年至少一次）",
                               last_comprehensive_or_special, due, today > due))
    if key_unit and not onsite_last:
        due = _months_later(last_any or since, 6)
        out.append(DrillObligation("any_half_year", "应急预案演练（重点单位每半年至少一次，第三十三条第二款）",
                                   last_any, due, today > due))
    for plan, last in sorted(onsite_last.items()):
        due = _months_later(last or since, 6)
        out.append(DrillObligation("onsite", f"现场处置方案“{plan}”演练（每半年至少一次）", last, due, today > due))
    return out
