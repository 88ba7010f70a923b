"""The working-day calendar: statutory holidays, 调休 make-up working days and the
working-day arithmetic that statutory clocks are read with.

Only exceptions to the Monday–Friday rule are stored (CalendarDay). A year counts as known
once its holiday notice is loaded (CalendarYear); arithmetic that reaches an unknown year
falls back to Monday–Friday for it and says so (WorkdayResult.estimated / note), because
a deadline silently computed without the year's holidays could be days early.

The calendar is nationwide, not tenant-owned: the arithmetic takes a plain session.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from core.audit import service as audit
from core.auth.models import User
from core.calendar.models import CalendarDay, CalendarYear
from core.context import ServiceContext
from core.db import utcnow
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.notifications import service as notifications
from tenants.models import Tenant

# chinese_calendar names its holidays in English; users read the official Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

MIN_YEAR, MAX_YEAR = 2000, 2100
# A holiday block never exceeds a few weeks; a longer range is a typo in the year or month.
MAX_RANGE_DAYS = 31
NAME_MAX = 50
SOURCE_MAX = 100
DEFAULT_SOURCE = "国务院办公厅关于节假日安排的通知"

OFF, ON = "休", "班"
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> date:
    """Statutory days are Beijing calendar days, whatever the server's zone."""
    return datetime.now(BEIJING).date()


def beijing_date(utc: datetime) -> date:
    """The Beijing date of a stored (naive UTC) timestamp."""
    return (utc + timedelta(hours=8)).date()

WEEKDAYS_ZH = "一二三四五六日"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class WorkdayResult:
    """The outcome of working-day arithmetic. `estimated` is True when a year without a
    loaded holiday notice was counted Monday–Friday; `note` then says which years."""

    date: date
    estimated: bool = False
    unknown_years: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class NoticeEntry:
    """One day of a holiday notice: off (休) or a 调休 working day (班). `line` is the
    line of the pasted text it came from (0 when built in code)."""

    day: date
    is_workday: bool
    name: str
    line: int = 0


@dataclass(frozen=True)
class LoadedYear:
    year: int
    source: str
    days_off: int      # holidays falling Monday–Friday (stored)
    make_up_days: int  # 调休 working days on a weekend (stored)
    replaced: bool     # the year had been loaded before
    # What the areas listening for CHANGED did (e.g. filings recounted): (message, params)
    followups: tuple[tuple[str, dict], ...] = ()


@dataclass(frozen=True)
class YearInfo:
    year: int
    source: str
    loaded_at: datetime
    loaded_by: str
    days_off: int
    make_up_days: int


@dataclass(frozen=True)
class CalendarOverview:
    """What the calendar page shows: loaded years, one year's exceptions, and whether
    the caller may load a notice."""

    years: list[YearInfo]
    year: int | None
    days: list[CalendarDay] = field(default_factory=list)
    year_loaded: bool = False
    can_load: bool = False


def estimate_note(years: Iterable[int]) -> str:
    ys = sorted(set(years))
    if not ys:
        return ""
    return f"{'、'.join(str(y) for y in ys)}年节假日安排尚未导入，按周一至周五估算"


# --------------------------------------------------------------------------- permissions


def _require_bureau_admin(ctx: ServiceContext) -> None:
    """The calendar pages are for bureau administrators; anyone else gets 404 like any
    page they may not see."""
    a = ctx.actor
    if a.is_system:
        return
    if not (a.is_bureau and a.role == "admin"):
        raise NotFound("页面或对象不存在")


def _is_root_admin(ctx: ServiceContext) -> bool:
    a = ctx.actor
    if a.is_system:
        return True
    if not (a.is_bureau and a.role == "admin" and a.tenant_id is not None):
        return False
    tenant = ctx.session.get(Tenant, a.tenant_id)
    return tenant is not None and tenant.parent_id is None


def _require_root_admin(ctx: ServiceContext) -> None:
    """The calendar is shared by every bureau, so only the top bureau of a jurisdiction
    (or the operator) may change it."""
    _require_bureau_admin(ctx)
    if not _is_root_admin(ctx):
        raise PermissionDenied("只有顶级（市级）应急管理局的管理员可以导入节假日安排")


# --------------------------------------------------------------------------- seeding


def _package_source() -> str:
    try:
        return f"chinese-calendar {package_version('chinese_calendar')}"
    except PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return "chinese-calendar"


def package_exceptions() -> dict[int, list[dict]]:
    """The exceptions the chinese_calendar package knows, by year, ready to insert."""
    import chinese_calendar

    by_year: dict[int, list[dict]] = {}
    for d, name in chinese_calendar.holidays.items():
        by_year.setdefault(d.year, [])
        if d.weekday() < 5:
            by_year[d.year].append({"day": d, "is_workday": False,
                                    "name": HOLIDAY_NAMES_ZH.get(name, name)[:NAME_MAX]})
    for d, name in chinese_calendar.workdays.items():
        by_year.setdefault(d.year, [])
        if d.weekday() >= 5:
            by_year[d.year].append({"day": d, "is_workday": True,
                                    "name": HOLIDAY_NAMES_ZH.get(name, name)[:NAME_MAX]})
    return by_year


def _year_range(y: int) -> tuple[date, date]:
    return date(y, 1, 1), date(y, 12, 31)


# Announced (core.house.House.announce) whenever the stored calendar changes, in the same
# transaction: areas whose deadlines count working days recount them (filings' review limits).
CHANGED = "calendar.changed"


def _changed(ctx: ServiceContext) -> tuple[tuple[str, dict], ...]:
    ctx.session.flush()
    return tuple(ctx.house.announce(CHANGED, ctx))


def ensure_seeded(ctx: ServiceContext) -> int:
    """Store every year the chinese_calendar package knows that is not loaded yet; returns
    the number of years added. Years already loaded (from the package or from a notice an
    administrator pasted) are left alone, so running it again adds nothing, and a newer
    package version only contributes the years it adds."""
    _require_root_admin(ctx)
    s = ctx.session
    loaded = set(s.scalars(select(CalendarYear.year)))
    by_year = {y: rows for y, rows in package_exceptions().items() if y not in loaded}
    if not by_year:
        return 0
    years = sorted(by_year)
    # Stray exceptions of a year without its CalendarYear row cannot be trusted.
    s.execute(delete(CalendarDay).where(or_(*(CalendarDay.day.between(*_year_range(y)) for y in years))))
    rows = [r for y in years for r in by_year[y]]
    if rows:
        s.execute(insert(CalendarDay), rows)
    source, now, by = _package_source(), utcnow(), ctx.actor.username
    s.execute(insert(CalendarYear), [{"year": y, "source": source, "loaded_at": now, "loaded_by": by}
                                     for y in years])
    audit.record(ctx, "calendar.seed", "calendar_year", f"{years[0]}-{years[-1]}",
                 f"导入节假日安排：{years[0]}—{years[-1]}年，共{len(years)}年（{source}）",
                 payload={"source": source, "years": years, "days": len(rows)}, tenant_id=None)
    _changed(ctx)
    return len(years)


# --------------------------------------------------------------------------- notices

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGE_SPLIT = re.compile(r"\s*[~～]\s*")


def _parse_date(text: str) -> tuple[date | None, str | None]:
    if not _DATE_RE.match(text):
        return None, f"日期格式不正确：“{text}”，应为YYYY-MM-DD（如2027-10-01）"
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"日期不存在：{text}"


def parse_notice(text: str) -> list[NoticeEntry]:
    """Parse a holiday notice as an administrator pastes it, one day or range per line:

        # 2027年国庆节
        2027-10-01~2027-10-07,休,国庆节
        2027-09-26,班,国庆节

    `休` is a day off, `班` a 调休 working day (it must fall on a weekend: a Monday–Friday
    working day is not an exception and is most likely a typo). Blank lines and lines
    starting with # are ignored; Chinese commas are accepted. Every bad line is reported
    as ValidationFailed({"第3行": [...]}), all of them at once.
    """
    entries: list[NoticeEntry] = []
    errors: dict[str, list[str]] = {}
    seen: dict[date, int] = {}
    for no, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        key = f"第{no}行"
        msgs: list[str] = []
        parts = [p.strip() for p in re.split(r"[,，]", line)]
        if len(parts) != 3:
            errors[key] = ["格式应为“日期,休或班,名称”，如“2027-10-01~2027-10-07,休,国庆节”"]
            continue
        when, kind, name = parts
        days: list[date] = []
        bounds = _RANGE_SPLIT.split(when)
        if len(bounds) > 2:
            msgs.append(f"日期格式不正确：“{when}”，日期范围应写作“开始日期~结束日期”")
        else:
            parsed = [_parse_date(b) for b in bounds]
            msgs += [err for _, err in parsed if err]
            if not msgs:
                first, last = parsed[0][0], parsed[-1][0]
                if last < first:
                    msgs.append("日期范围的结束日期早于开始日期")
                elif (last - first).days >= MAX_RANGE_DAYS:
                    msgs.append(f"日期范围不能超过{MAX_RANGE_DAYS}天")
                else:
                    days = [first + timedelta(i) for i in range((last - first).days + 1)]
        if kind not in (OFF, ON):
            msgs.append("类型只能是“休”或“班”")
        if not name:
            msgs.append("名称不能为空")
        elif len(name) > NAME_MAX:
            msgs.append(f"名称不能超过{NAME_MAX}个字")
        if not msgs and kind == ON:
            weekdays = [d for d in days if d.weekday() < 5]
            if weekdays:
                d = weekdays[0]
                msgs.append(f"{d.isoformat()}是星期{WEEKDAYS_ZH[d.weekday()]}，本来就是工作日；"
                            "调休上班日应为星期六或星期日")
        if not msgs:
            for d in days:
                if d in seen:
                    msgs.append(f"{d.isoformat()}与第{seen[d]}行重复")
                    break
        if msgs:
            errors[key] = msgs
            continue
        for d in days:
            seen[d] = no
            entries.append(NoticeEntry(d, kind == ON, name, no))
    if errors:
        raise ValidationFailed(errors, message=f"节假日安排有{len(errors)}行有误，未导入任何内容")
    return entries


def load_year(ctx: ServiceContext, year: int | None, text_or_entries: str | Sequence[NoticeEntry],
              source: str | None = None) -> LoadedYear:
    """Load (or replace) one year's holiday notice. Every problem (year, source, each bad
    line, dates outside the year) is reported at once, before anything is written; then
    the year's exceptions and its CalendarYear row are replaced in the caller's
    transaction, so an error stores nothing."""
    _require_root_admin(ctx)
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        errors["年份"] = [f"年份应为{MIN_YEAR}至{MAX_YEAR}之间的四位数字"]
        year = None
    source = (source or "").strip() or DEFAULT_SOURCE
    if len(source) > SOURCE_MAX:
        errors["来源"] = [f"来源不能超过{SOURCE_MAX}个字"]
    entries: list[NoticeEntry] = []
    if isinstance(text_or_entries, str):
        try:
            entries = parse_notice(text_or_entries)
        except ValidationFailed as e:
            errors.update(e.errors)
    else:
        entries = list(text_or_entries)
    if not entries and not any(k.startswith("第") for k in errors):
        errors["节假日安排"] = ["未找到任何日期，请按“日期,休或班,名称”逐行填写"]
    seen: set[date] = set()
    for e in entries:
        key = f"第{e.line}行" if e.line else e.day.isoformat()
        if year is not None and e.day.year != year:
            errors.setdefault(key, []).append(f"{e.day.isoformat()}不在{year}年内")
        elif e.day in seen:
            errors.setdefault(key, []).append(f"{e.day.isoformat()}重复")
        seen.add(e.day)
    if errors:
        raise ValidationFailed(errors, message=f"节假日安排有{len(errors)}处错误，未导入任何内容")

    # Weekend days off and weekday working days are the rule, not exceptions.
    rows = [{"day": e.day, "is_workday": e.is_workday, "name": e.name} for e in entries
            if e.is_workday == (e.day.weekday() >= 5)]
    s = ctx.session
    lo, hi = _year_range(year)
    s.execute(delete(CalendarDay).where(CalendarDay.day.between(lo, hi)))
    if rows:
        s.execute(insert(CalendarDay), rows)
    row = s.get(CalendarYear, year)
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=year)
        s.add(row)
    row.source, row.loaded_at, row.loaded_by = source, utcnow(), ctx.actor.username
    off = sum(1 for r in rows if not r["is_workday"])
    on = len(rows) - off
    verb = "替换" if replaced else "导入"
    audit.record(ctx, "calendar.load", "calendar_year", year,
                 f"{verb}{year}年节假日安排：工作日放假{off}天，调休上班{on}天（{source}）",
                 payload={"year": year, "source": source,
                          "days": [[r["day"].isoformat(), ON if r["is_workday"] else OFF, r["name"]]
                                   for r in sorted(rows, key=lambda r: r["day"])]})
    return LoadedYear(year, source, off, on, replaced, _changed(ctx))


# --------------------------------------------------------------------------- reading


def list_years(ctx: ServiceContext) -> list[YearInfo]:
    """Loaded years, newest first, with their stored exception counts."""
    _require_bureau_admin(ctx)
    return _year_infos(ctx.session)


def _year_infos(s: Session) -> list[YearInfo]:
    counts: dict[int, list[int]] = {}
    for d, is_work in s.execute(select(CalendarDay.day, CalendarDay.is_workday)):
        c = counts.setdefault(d.year, [0, 0])
        c[1 if is_work else 0] += 1
    out = []
    for y in s.scalars(select(CalendarYear).order_by(CalendarYear.year.desc())):
        off, on = counts.get(y.year, [0, 0])
        out.append(YearInfo(y.year, y.source, y.loaded_at, y.loaded_by, off, on))
    return out


def overview(ctx: ServiceContext, year: int | None = None) -> CalendarOverview:
    """The calendar page: loaded years and the exceptions of `year` (default: this year
    if loaded, else the newest loaded year)."""
    _require_bureau_admin(ctx)
    s = ctx.session
    years = _year_infos(s)
    loaded = {y.year for y in years}
    if year is None:
        this = beijing_today().year
        year = this if this in loaded or not years else years[0].year
    days: list[CalendarDay] = []
    if MIN_YEAR <= year <= MAX_YEAR:
        lo, hi = _year_range(year)
        days = list(s.scalars(select(CalendarDay).where(CalendarDay.day.between(lo, hi))
                              .order_by(CalendarDay.day)))
    return CalendarOverview(years, year, days, year in loaded, _is_root_admin(ctx))


# --------------------------------------------------------------------------- arithmetic


class _Calendar:
    """Exceptions of the known years within [lo, hi], loaded in one query (plus one for
    the small table of loaded years)."""

    def __init__(self, session: Session, lo: date, hi: date):
        self.known = set(session.scalars(select(CalendarYear.year)
                                         .where(CalendarYear.year.between(lo.year, hi.year))))
        self.lo, self.hi = lo, hi
        self.exceptions: dict[date, bool] = {
            d: w for d, w in session.execute(
                select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(lo, hi)))
            if d.year in self.known
        }
        self.unknown: set[int] = set()

    def is_workday(self, d: date) -> bool:
        if d.year not in self.known:
            self.unknown.add(d.year)
            return d.weekday() < 5
        return self.exceptions.get(d, d.weekday() < 5)


def _result(d: date, unknown: set[int]) -> WorkdayResult:
    ys = tuple(sorted(unknown))
    return WorkdayResult(d, bool(ys), ys, estimate_note(ys))


def add_working_days(session: Session, start: date, n: int) -> WorkdayResult:
    """The date of the n-th working day after `start`; `start` itself is not counted.

    This is how the limits of 《生产安全事故应急预案管理办法》 are read: an enterprise files
    "在应急预案公布之日起20个工作日内" (第二十六条) and the bureau checks the materials
    "在5个工作日内" (第二十八条); both start counting on the day after the event. Holidays and 调休 make-up
    working days follow the loaded notices; a year without one is counted Monday–Friday and
    the result says so (estimated, unknown_years, note) instead of pretending to be exact.
    n = 0 returns `start`; a negative n counts back (the |n|-th working day before `start`).
    """
    if n == 0:
        return WorkdayResult(start)
    step = 1 if n > 0 else -1
    remaining = abs(n)
    # 1.5 calendar days per working day covers the densest holiday year in one window.
    span = remaining * 3 // 2 + 30
    d, unknown = start, set()
    while True:
        far = d + timedelta(days=step * span)
        cal = _Calendar(session, min(d, far), max(d, far))
        while d != far:
            d += timedelta(days=step)
            if cal.is_workday(d):
                remaining -= 1
                if remaining == 0:
                    return _result(d, unknown | cal.unknown)
        unknown |= cal.unknown


def is_workday(session: Session, d: date) -> bool:
    """Whether `d` is a working day; in a year without a loaded notice, Monday–Friday."""
    return _Calendar(session, d, d).is_workday(d)


def _weekdays_in(lo: date, hi: date) -> int:
    """Monday–Friday days in [lo, hi]."""
    if hi < lo:
        return 0
    total = (hi - lo).days + 1
    weeks, rest = divmod(total, 7)
    start = lo.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


def working_days_between(session: Session, a: date, b: date) -> int:
    """Working days after `a` up to and including `b`: the inverse of add_working_days, so
    add_working_days(s, a, n).date == b gives working_days_between(s, a, b) == n for n > 0.

    0 when a == b (and when only days off lie between them); negative when b is before a
    (minus the working days after b up to and including a). Read as "overdue by N working
    days" with a = the deadline and b = today: a Friday deadline is 1 working day overdue
    on Monday and still 0 on the Saturday in between. Years without a notice are counted
    Monday–Friday; see missing_years().
    """
    if a == b:
        return 0
    if b < a:
        return -working_days_between(session, b, a)
    lo, hi = a + timedelta(days=1), b
    cal = _Calendar(session, lo, hi)
    count = _weekdays_in(lo, hi)
    for d, work in cal.exceptions.items():
        if work != (d.weekday() < 5):
            count += 1 if work else -1
    return count


def missing_years(session: Session, a: date, b: date) -> tuple[int, ...]:
    """Years in [a, b] (either order) without a loaded holiday notice."""
    lo, hi = min(a, b), max(a, b)
    known = set(session.scalars(select(CalendarYear.year).where(CalendarYear.year.between(lo.year, hi.year))))
    return tuple(y for y in range(lo.year, hi.year + 1) if y not in known)


# --------------------------------------------------------------------------- the yearly notice

# The 国务院办公厅 publishes next year's arrangement in October or November; from this day on
# the top bureaus' admins are asked to load it.
NOTICE_EXPECTED = (11, 1)


def arrangement_needed(session: Session, today: date) -> int | None:
    """The year whose holiday notice should be loaded now: this year if it is missing, or
    next year from 1 November on; None when nothing is missing."""
    known = set(session.scalars(select(CalendarYear.year).where(CalendarYear.year.in_((today.year, today.year + 1)))))
    if today.year not in known:
        return today.year
    if (today.month, today.day) >= NOTICE_EXPECTED and today.year + 1 not in known:
        return today.year + 1
    return None


def reminder_for(ctx: ServiceContext, today: date) -> int | None:
    """The year a top-level bureau's admin should load (the dashboard banner), else None."""
    if ctx.actor.is_system or not _is_root_admin(ctx):
        return None
    return arrangement_needed(ctx.session, today)


def sweep_arrangement(ctx: ServiceContext, today: date | None = None) -> str:
    """Once a year's notice is expected (see arrangement_needed), the admins of every
    top-level bureau get one notification, until it is loaded: statutory limits reaching
    that year are otherwise only estimated, and deeming waits for them."""
    if not ctx.actor.is_system:
        raise PermissionDenied("只有系统定时任务可以执行节假日安排检查")
    today = today or beijing_today()
    year = arrangement_needed(ctx.session, today)
    if year is None:
        return "节假日安排已导入"
    admins = ctx.session.scalars(select(User.id).join(Tenant, Tenant.id == User.tenant_id)
                                 .where(Tenant.parent_id.is_(None), Tenant.kind == "bureau", User.role == "admin",
                                        User.active.is_(True)))
    sent = sum(notifications.notify(
        ctx, uid, f"请导入{year}年节假日安排",
        body=f"{year}年法定节假日和调休安排尚未导入工作日历。涉及{year}年的法定期限（预案备案20个工作日、"
             f"审查5个工作日等）目前只能按周一至周五估算，期限届满视为备案等不可撤销的步骤将暂缓，"
             f"直至导入。请依据国务院办公厅关于{year}年部分节假日安排的通知，在“工作日历”中导入。",
        link=f"/calendar?year={year}", dedupe_key=f"calendar:{year}:missing") for uid in admins)
    return f"{year}年节假日安排未导入，已提醒 {sent} 位管理员"
