"""The campaign's rules, one named function each: dates from the template, where an edited
date may fall, and what a work item's submission must hold. Pure functions of plain data,
so pages, API, jobs and tests read them the same way."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.campaigns.templates import due_day
from core.ledgers.declaration import parse_date
from core.schema import number_of

TEXT_MAX = 2000
YES, NO, NA = "yes", "no", "na"
ANSWERS = {YES: "是", NO: "否", NA: "不适用"}


@dataclass(frozen=True)
class Item:
    """A work item as a campaign runs it: the template's item (or a county's own), its phase."""

    id: str
    phase: str
    body: dict

    @property
    def title(self) -> str:
        return self.body["title"]

    @property
    def party(self) -> str:
        return self.body["assignee"]

    @property
    def review(self) -> bool:
        return self.body.get("review", True)

    @property
    def fields(self) -> list[dict]:
        return self.body.get("fields", [])


def items_of(body: dict, extra: list[dict] = ()) -> list[Item]:  # noqa: B006
    """Every work item of a template body, then a county's own items, in order."""
    out = [Item(t["id"], ph["id"], t) for ph in body["phases"] for t in ph["tasks"]]
    return out + [Item(t["id"], t["phase"], t) for t in extra]


def _iso(d: date) -> str:
    return d.isoformat()


def default_schedule(body: dict, starts_on: date, extra: list[dict] = ()) -> dict:  # noqa: B006
    """Dates from the template's days: day 0 is the start day; an item due "from its phase"
    counts from its phase's first day."""
    phases = {ph["id"]: ph for ph in body["phases"]}
    out = {"phases": {pid: [_iso(starts_on + timedelta(days=ph["starts_day"])),
                            _iso(starts_on + timedelta(days=ph["ends_day"]))] for pid, ph in phases.items()},
           "items": {}}
    for ph in body["phases"]:
        for t in ph["tasks"]:
            out["items"][t["id"]] = _iso(starts_on + timedelta(days=due_day(ph, t)))
    for t in extra:
        out["items"].setdefault(t["id"], _iso(starts_on + timedelta(days=due_day(phases[t["phase"]], t))))
    return out


def window(schedule: dict) -> tuple[date, date]:
    """The campaign's first and last day: its phases' span."""
    spans = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in schedule["phases"].values()]
    return min(a for a, _ in spans), max(b for _, b in spans)


def schedule_problems(body: dict, schedule: dict, extra: list[dict] = (),  # noqa: B006
                      within: tuple[date, date] | None = None) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(errors, questions) about an edited schedule. Errors refuse it: a phase ending before
    it starts, a date missing, a date outside the window of the campaign it was adopted from
    (`within`, the city's). Questions need the bureau's confirmation: an item due outside
    its own phase (seed 004 itself sets the 总结报告 due on the first day of its phase)."""
    errors: dict[str, list[str]] = {}
    questions: dict[str, str] = {}
    phases: dict[str, tuple[date, date]] = {}
    titles = {ph["id"]: ph["title"] for ph in body["phases"]}
    for pid, title in titles.items():
        span = schedule.get("phases", {}).get(pid)
        start, end = (parse_date(span[0]), parse_date(span[1])) if isinstance(span, list) and len(span) == 2 \
            else (None, None)
        key = f"phases.{pid}"
        if start is None or end is None:
            errors[key] = [f"阶段“{title}”的起止日期应为日期"]
            continue
        if end < start:
            errors[key] = [f"阶段“{title}”的结束日期不能早于开始日期"]
        elif within and (start < within[0] or end > within[1]):
            errors[key] = [f"阶段“{title}”应在上级专项整治的时间范围"
                           f"（{within[0]:%Y年%m月%d日}至{within[1]:%Y年%m月%d日}）内"]
        phases[pid] = (start, end)
    for item in items_of(body, extra):
        due = parse_date(schedule.get("items", {}).get(item.id))
        key = f"items.{item.id}"
        if due is None:
            errors[key] = [f"“{item.title}”的完成期限应为日期"]
            continue
        if within and not within[0] <= due <= within[1]:
            errors[key] = [f"“{item.title}”的完成期限应在上级专项整治的时间范围"
                           f"（{within[0]:%Y年%m月%d日}至{within[1]:%Y年%m月%d日}）内"]
        elif item.phase in phases and not phases[item.phase][0] <= due <= phases[item.phase][1]:
            a, b = phases[item.phase]
            questions[key] = (f"“{item.title}”的完成期限 {due:%Y年%m月%d日} 在所属阶段“{titles.get(item.phase, '')}”"
                              f"（{a:%m月%d日}至{b:%m月%d日}）之外，请确认")
    return errors, questions


def schedule_edits(body: dict, extra: list[dict], raw: Any) -> tuple[dict, dict[str, list[str]]]:
    """The dates an edit sends, as {"phases": {id: [start, end]}, "items": {id: due}} of the
    campaign's own phases and items, each a date; anything else is refused by its key."""
    out: dict = {"phases": {}, "items": {}}
    if raw in (None, ""):
        return out, {}
    shape = ["日程应为 {phases: {阶段编号: [开始, 结束]}, items: {工作编号: 期限}}"]
    if not isinstance(raw, dict) or not isinstance(raw.get("phases") or {}, dict) or \
            not isinstance(raw.get("items") or {}, dict):
        return out, {"schedule": shape}
    phases = {ph["id"] for ph in body["phases"]}
    items = {it.id for it in items_of(body, extra)}
    errors: dict[str, list[str]] = {}
    for pid, span in (raw.get("phases") or {}).items():
        if pid not in phases:
            errors[f"phases.{pid}"] = ["阶段不存在"]
        elif not (isinstance(span, list) and len(span) == 2 and all(_a_day(d) for d in span)):
            errors[f"phases.{pid}"] = ["阶段的起止日期应为两个日期，如 [\"2024-09-06\", \"2024-09-30\"]"]
        else:
            out["phases"][pid] = span
    for iid, due in (raw.get("items") or {}).items():
        if iid not in items:
            errors[f"items.{iid}"] = ["工作内容不存在"]
        elif not _a_day(due):
            errors[f"items.{iid}"] = ["完成期限应为日期，如 2024-09-20"]
        else:
            out["items"][iid] = due
    return out, errors


def _a_day(value: Any) -> bool:
    """A date as typed (text, not a spreadsheet's serial number), in a year a campaign runs."""
    day = parse_date(value) if isinstance(value, str) else None
    return day is not None and 2000 <= day.year <= 2099


def normalised_schedule(schedule: dict) -> dict:
    """The schedule with every date in ISO form (as stored)."""
    return {"phases": {k: [_iso(parse_date(a)), _iso(parse_date(b))] for k, (a, b) in schedule["phases"].items()},
            "items": {k: _iso(parse_date(v)) for k, v in schedule["items"].items()}}


# ---------------------------------------------------------------------------- submissions

def _text(value: Any, limit: int) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, "应为文字"
    value = value.strip()
    if len(value) > limit:
        return None, f"不能超过{limit}字"
    return value or None, None


def _number(value: Any, f: dict) -> tuple[Any, str | None]:
    n = number_of(value)
    if n is None:
        return None, "应为数字"
    if f.get("min") is not None and n < f["min"]:
        return None, f"不能小于{f['min']:g}"
    if f.get("max") is not None and n > f["max"]:
        return None, f"不能大于{f['max']:g}"
    return (int(n) if n.is_integer() else n), None


def _a_date(value: Any) -> tuple[Any, str | None]:
    day = parse_date(value) if isinstance(value, str) else None
    return (day.isoformat(), None) if day and 1900 < day.year < 2200 else (None, "应为日期，如 2024-09-20")


def _period(value: Any, f: dict) -> tuple[Any, str | None]:
    """起止日期: the study period of seed 004 (四) lasts 不少于1周, so min_days counts both ends."""
    if not isinstance(value, dict):
        return None, "应填写开始和结束日期"
    start, end = (parse_date(v) if isinstance(v, str) else None for v in (value.get("start"), value.get("end")))
    if not start and not end and not value.get("start") and not value.get("end"):
        return None, None
    if start is None or end is None:
        return None, "开始和结束日期都应为日期，如 2024-09-06"
    if end < start:
        return None, "结束日期不能早于开始日期"
    if (end - start).days + 1 < f.get("min_days", 1):
        return None, f"不少于{f['min_days']}天（现为{(end - start).days + 1}天）"
    return {"start": start.isoformat(), "end": end.isoformat()}, None


def _finding(entry: dict, label: str) -> tuple[Any, str | None]:
    """A checklist item found wanting, as the problem-ledger row it becomes: the problem,
    the measure, who answers for it and by when. It is registered as a 一般 hazard: a 重大
    one is registered on the hazard ledger's own form, with its 判定标准 item."""
    out = {}
    for key, name in (("note", "存在问题"), ("measures", "整改措施"), ("owner", "整改责任人")):
        text, problem = _text(entry.get(key) or "", 500 if key != "owner" else 50)
        if problem or not text:
            return None, f"{label}答“否”时应填写{name}" + (f"（{problem}）" if problem else "")
        out[key] = text
    due, problem = _a_date(entry.get("due_on"))
    if problem:
        return None, f"{label}答“否”时应填写整改期限（日期）"
    return {**out, "due_on": due}, None


def _checklist(value: Any, f: dict) -> tuple[Any, str | None]:
    if not isinstance(value, dict):
        return None, "应逐项作答"
    out = {}
    for i, text in enumerate(f["items"]):
        entry = value.get(str(i))
        if not isinstance(entry, dict) or entry.get("answer") in (None, ""):
            continue
        answer = entry["answer"]
        if not isinstance(answer, str) or answer not in ANSWERS:
            return None, f"第{i + 1}项只能答“是”“否”或“不适用”"
        row = {"answer": answer}
        if answer == NO and f.get("findings"):
            found, problem = _finding(entry, f"第{i + 1}项")
            if problem:
                return None, problem
            row.update(found)
        elif entry.get("note"):
            note, problem = _text(entry["note"], 500)
            if problem:
                return None, f"第{i + 1}项说明{problem}"
            row["note"] = note
        out[str(i)] = row
    return out or None, None


def _problems(value: Any) -> tuple[Any, str | None]:
    """问题台账 written row by row: the problem, the measure, who is responsible, by when."""
    if not isinstance(value, list):
        return None, "应逐条填写问题"
    rows = []
    for n, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or not any(str(entry.get(k) or "").strip() for k in
                                                  ("problem", "measures", "owner", "due_on")):
            continue
        row = {}
        for key, name in (("problem", "问题"), ("measures", "整改措施"), ("owner", "责任单位（人）")):
            text, problem = _text(entry.get(key) or "", 500)
            if problem or not text:
                return None, f"第{n}条应填写{name}" if not problem else f"第{n}条{name}{problem}"
            row[key] = text
        due, problem = _a_date(entry.get("due_on"))
        if problem:
            return None, f"第{n}条应填写整改期限（日期）"
        row["due_on"] = due
        row["done"] = bool(entry.get("done"))
        rows.append(row)
    return rows or None, None


def clean_field(f: dict, value: Any) -> tuple[Any, str | None]:
    """(stored value, None) or (None, problem in Chinese) for one field as entered. Files are
    not entered here: they are added one by one (file ids) and only counted on submission."""
    if value is None or value == "" or value == []:
        return None, None
    kind = f["type"]
    if kind == "text":
        return _text(value, f.get("max_length", TEXT_MAX))
    if kind == "number":
        return _number(value, f)
    if kind == "date":
        return _a_date(value)
    if kind == "choice":
        return (value, None) if isinstance(value, str) and value in f["options"] else (None, "只能从可选项中选择")
    if kind == "period":
        return _period(value, f)
    if kind == "checklist":
        return _checklist(value, f)
    if kind == "problems":
        return _problems(value)
    return None, "该字段不能直接填写"


FILE_TYPES = ("files", "employee_files")
# Counted from elsewhere (the campaign's problem ledger), never entered.
COMPUTED_TYPES = ("ledger",)


def submission_problems(fields: list[dict], data: dict, headcount: int | None,
                        distinct: dict[str, int] | None = None) -> dict[str, str]:
    """What a submission still lacks, by field id: a required field empty, a checklist not
    answered item by item, fewer files than asked, fewer 剖析材料 than employees (seed 004:
    全体员工（包括所有班子成员）每人要撰写一篇). `distinct`: field id → how many different
    files (by content) it holds, so one statement uploaded twice counts once."""
    out: dict[str, str] = {}
    for f in fields:
        value = data.get(f["id"])
        if f["type"] in COMPUTED_TYPES:
            continue
        if f["type"] in FILE_TYPES:
            n = (distinct or {}).get(f["id"], len(value or []))
            if f["type"] == "employee_files":
                if headcount is None:
                    out[f["id"]] = f"“{f['label']}”按从业人员数核对，请先在企业信息中填写从业人员数"
                elif n < headcount:
                    out[f["id"]] = f"“{f['label']}”应每名员工一份：已上传{n}份，从业人员数为{headcount}人"
            elif f["required"] and n < max(f.get("min_files", 1), 1):
                out[f["id"]] = f"“{f['label']}”至少上传{max(f.get('min_files', 1), 1)}个文件（已上传{n}个）"
            continue
        if f["type"] == "checklist" and f["required"]:
            missing = [str(i + 1) for i in range(len(f["items"])) if str(i) not in (value or {})]
            if missing:
                out[f["id"]] = f"“{f['label']}”尚有第{'、'.join(missing)}项未作答"
            continue
        if f["required"] and value in (None, "", [], {}):
            out[f["id"]] = f"“{f['label']}”不能为空"
    return out


def findings_of(fields: list[dict], data: dict) -> list[tuple[str, int, str, dict]]:
    """(field id, item position, checklist item text, finding) for every item answered 否 in
    a checklist whose findings go to the problem ledger."""
    return [(f["id"], i, text, entry) for f in fields if f["type"] == "checklist" and f.get("findings")
            for i, text in enumerate(f["items"]) if (entry := (data.get(f["id"]) or {}).get(str(i)))
            and entry.get("answer") == NO]
