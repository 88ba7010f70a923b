"""Ledgers: their types, the xlsx template of each, and imports — the same functions for
pages, API, CLI and jobs.

An import is all or nothing. The file is read within limits (core/ledgers/xlsx.py), every
row is converted and checked by the validator compiled from the declaration, and then
either every row is stored in the caller's transaction or nothing is and every error is
reported: the import's record and the annotated copy are kept in a unit of work of their
own, so a refused upload leaves its errors to read and download while no row of it stays.
Rows are upserted by enterprise + key: uploading the same file again changes nothing.
Storing never builds ORM objects per row: new rows go through the scoped bulk insert,
changed ones through one executemany UPDATE."""
from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    Boolean,
    Date,
    and_,
    bindparam,
    case,
    func,
    not_,
    null,
    select,
    update,
)

from core import exports
from core.audit import service as audit
from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.db import side_session, utcnow
from core.errors import NotFound, PermissionDenied, ValidationFailed, refuse
from core.jobs import service as jobs
from core.jobs.models import Job
from core.ledgers import criteria, templates, xlsx
from core.ledgers.declaration import LedgerType, RowError, compile_ledger, parse_date
from core.ledgers.models import (
    HAZARD_STATES,
    OPEN_STATES,
    Hazard,
    LedgerImport,
    LedgerRow,
)
from core.ledgers.standard import HAZARD_LEDGER, RISK_LEDGER
from core.notifications import service as notifications
from core.plugins.service import offered_templates
from core.plugins.templates import template_hash, validate_template
from tenants.models import Tenant
from tenants.scoping import bind, insert_rows, scope_of

HAZARDS = compile_ledger(validate_template(copy.deepcopy(HAZARD_LEDGER), {"ledger": templates.LEDGER}))
RISKS = compile_ledger(validate_template(copy.deepcopy(RISK_LEDGER), {"ledger": templates.LEDGER}))
CORE_TYPES = (HAZARDS, RISKS)
# Who keeps an enterprise's ledger, and who at its bureau hears of it.
ENTERPRISE_ROLES = ("admin", "officer")
BUREAU_ROLES = ("admin", "reviewer")
LISTED_ERRORS = 200           # errors kept on the import's record; all are in the annotated copy


def ledger_types(ctx: ServiceContext) -> list[LedgerType]:
    """The ledger types the caller can keep and import: the core's, then those of the
    plugins enabled for the caller's unit (and its industry, for an enterprise)."""
    ctx.require()
    return [*CORE_TYPES, *(_compiled(t) for t in offered_templates(ctx, kind="ledger"))]


_COMPILED: dict[str, LedgerType] = {}


def _compiled(template: dict) -> LedgerType:
    """A plugin's ledger type, compiled once per template body (validated at start-up)."""
    body = {k: v for k, v in template.items() if k != "plugin"}
    digest = template_hash(body)
    if digest not in _COMPILED:
        _COMPILED[digest] = compile_ledger(body, template.get("plugin", ""))
    return _COMPILED[digest]


def ledger_type(ctx: ServiceContext, type_id: str) -> LedgerType:
    found = next((t for t in ledger_types(ctx) if t.id == type_id), None)
    if found is None:
        raise NotFound("台账类型不存在")
    return found


def template_file(ctx: ServiceContext, type_id: str) -> tuple[bytes, str]:
    """The xlsx template of a type and its file name."""
    lt = ledger_type(ctx, type_id)
    return xlsx.template(lt), f"{lt.title}（模板 {lt.version}）.xlsx"


@dataclass(frozen=True)
class ImportResult:
    record: LedgerImport
    errors: list[RowError] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.record.status


def import_refusal(ctx: ServiceContext) -> PermissionDenied | None:
    """Whether the caller may import (for the button and the action alike)."""
    return ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以导入本企业的台账")


Progress = Callable[[int, int, "str | None"], None]


def _quiet(_done: int, _total: int, _message: str | None = None) -> None:
    pass


def import_ledger(ctx: ServiceContext, type_id: str, data: bytes, filename: str, *,
                  dry_run: bool = False, progress: Progress = _quiet, campaign_id: int | None = None) -> ImportResult:
    """Import an uploaded ledger file into the caller's enterprise. Returns the result:
    "stored" (every row upserted), "preview" (a dry run: what storing would do), or
    "rejected" (nothing stored; its record and annotated copy are kept all the same).
    `progress(done, total, message)` hears of each stage (a job's progress bar). With
    `campaign_id` (a campaign's problem-ledger task) new hazards are that campaign's."""
    refuse(import_refusal(ctx))
    lt = ledger_type(ctx, type_id)
    digest = hashlib.sha256(data).hexdigest()
    name = (filename or "台账.xlsx")[:255]
    progress(0, 3, "正在读取文件")
    try:
        upload = xlsx.read_upload(data, lt, max_bytes=ctx.house.files.max_bytes)
    except xlsx.FileRefused as e:
        return _rejected(ctx, lt, name, digest, message=e.message)
    progress(1, 3, f"已读取 {len(upload.rows)} 行，正在校验")
    records, errors = lt.validate(upload.rows, upload.positions)
    if lt is HAZARDS:   # a 重大 hazard names an 判定标准 item; a named risk point is on the enterprise's list
        errors = sorted(errors + criteria.check_majors(ctx, records, lt.column("basis").header)
                        + _unknown_risk_points(ctx, records), key=lambda e: e.row)
    if errors:
        return _rejected(ctx, lt, name, digest, rows=len(upload.rows), errors=errors,
                         annotated=xlsx.annotated(upload, errors, lt))
    plan = _plan(ctx, lt, records)
    plan.campaign_id = campaign_id
    if plan.errors:
        return _rejected(ctx, lt, name, digest, rows=len(upload.rows), errors=plan.errors,
                         annotated=xlsx.annotated(upload, plan.errors, lt))
    record = LedgerImport(tenant_id=ctx.actor.tenant_id, ledger_type=lt.id, type_version=lt.version, filename=name,
                          sha256=digest, status="preview" if dry_run else "stored", rows=len(records),
                          created=len(plan.new), updated=len(plan.changed), unchanged=plan.unchanged,
                          created_by=ctx.actor.user_id, errors=[])
    ctx.session.add(record)
    ctx.session.flush()
    if not dry_run:
        progress(2, 3, f"已校验 {len(records)} 行，正在保存（新增 {len(plan.new)}，更新 {len(plan.changed)}）")
        _store(ctx, lt, plan, record)
    progress(3, 3, "已完成")
    return ImportResult(record)


def _unknown_risk_points(ctx: ServiceContext, records: list[dict[str, Any]]) -> list[RowError]:
    """Hazards naming a risk point their enterprise's 安全风险分级管控清单 does not hold."""
    named = {r["risk_point"] for r in records if r.get("risk_point")}
    if not named:
        return []
    known = set(ctx.session.scalars(select(LedgerRow.key).where(
        LedgerRow.tenant_id == ctx.actor.tenant_id, LedgerRow.ledger_type == RISKS.id, LedgerRow.key.in_(named))))
    header = HAZARDS.column("risk_point").header
    return [RowError(r["_row"], header, f"风险点编号“{r['risk_point']}”不在本企业的{RISKS.title}中，请先导入清单或改正编号")
            for r in records if r.get("risk_point") and r["risk_point"] not in known]


def runs_as_job(ctx: ServiceContext, size: int) -> bool:
    """Whether an upload of `size` bytes is imported as a job rather than at once."""
    return size > ctx.house.config["LEDGER_INLINE_KB"] * 1024


def start_import(ctx: ServiceContext, type_id: str, data: bytes, filename: str, *, dry_run: bool = False,
                 campaign_id: int | None = None) -> Job:
    """A large upload: kept through the files area and imported by the "ledgers.import"
    job (core/ledgers/jobs.py), whose page shows rows read, checked and stored."""
    refuse(import_refusal(ctx))
    lt = ledger_type(ctx, type_id)
    stored = ctx.house.files.store_upload(ctx, io.BytesIO(data), filename, {"xlsx"})
    return jobs.enqueue(ctx, "ledgers.import", {"type": lt.id, "file_id": stored.id, "filename": stored.original_name,
                                                "dry_run": dry_run, "campaign_id": campaign_id},
                        f"导入{lt.title}“{stored.original_name}”" + ("（预检）" if dry_run else ""))


# --------------------------------------------------------------------------- storing

@dataclass
class _Plan:
    new: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    unchanged: int
    errors: list[RowError] = field(default_factory=list)
    campaign_id: int | None = None


# What only the loop changes on a hazard already registered: an upload that would change it
# is refused on that row (a spreadsheet must not close a 重大 hazard the bureau has not
# verified, move its 整改期限 without an approved extension, or undo a 回头看).
LOOP_OWNED = ("completed_on", "verified_by", "verified_on")


def _loop_problems(values: dict[str, Any], stored: dict[str, Any]) -> list[tuple[str, str]]:
    """(column id, message) for each loop-owned change an upload makes to a stored hazard."""
    if values["level"] != stored["level"]:
        return [("level", f"已登记隐患的等级不能通过导入修改（现为“{stored['level']}”）；"
                          "如需按重大事故隐患管理，请另行登记")]
    owned = [c for c in LOOP_OWNED if values[c] != stored[c]]
    if stored["level"] == "重大":
        out = [(c, "重大事故隐患的整改完成与验收须在系统中办理（上传整改后资料，验收并报请核查）") for c in owned]
        if values["due_on"] != stored["due_on"]:
            out.append(("due_on", f"重大事故隐患的整改期限（{stored['due_on'].isoformat()}）须申请延期，经应急管理局同意后变更"))
        return out
    if stored["reopened"] and stored["status"] != "closed":
        return [(c, "回头看要求重新整改的隐患，须在系统中登记整改完成并验收") for c in owned]
    return []


def _digest(values: dict[str, Any], ids: list[str]) -> str:
    """The declared values as stored, in one string (dates ISO, empty as nothing; no cell
    holds the separator, text_problem refuses control characters)."""
    return hashlib.sha256("\x1f".join("" if values[c] is None else str(values[c]) for c in ids).encode()).hexdigest()


def _plan(ctx: ServiceContext, lt: LedgerType, records: list[dict[str, Any]]) -> _Plan:
    """Which rows are new, which changed, how many are as stored: one query for the
    enterprise's keys and digests."""
    tenant_id = ctx.actor.tenant_id
    if lt is HAZARDS:
        stmt = select(Hazard.id, Hazard.code, Hazard.digest, Hazard.status).where(Hazard.tenant_id == tenant_id)
    else:
        stmt = select(LedgerRow.id, LedgerRow.key, LedgerRow.digest, null()).where(
            LedgerRow.tenant_id == tenant_id, LedgerRow.ledger_type == lt.id)
    stored = {str(key): (rid, digest, status) for rid, key, digest, status in ctx.session.execute(stmt)}
    new, changed, unchanged = [], [], 0
    ids = [c.id for c in lt.columns]
    for values in records:
        values["digest"] = _digest(values, ids)
        have = stored.get(str(values[lt.key.id]))
        if have is None:
            new.append(values)
        elif have[1] == values["digest"]:
            unchanged += 1
        else:
            changed.append({**values, "_id": have[0], "_status": have[2]})
    errors = _loop_errors(ctx, changed) if lt is HAZARDS else []
    for values in (*new, *changed):
        values.pop("_row", None)
    return _Plan(new, changed, unchanged, errors)


def _loop_errors(ctx: ServiceContext, changed: list[dict[str, Any]]) -> list[RowError]:
    """Changed hazards whose upload would take a step only the loop takes (one query for them)."""
    if not changed:
        return []
    columns = ("level", "due_on", "reopened", "status", *LOOP_OWNED)
    stored = {row.id: row._asdict() for row in ctx.session.execute(
        select(Hazard.id, *[getattr(Hazard, c) for c in columns]).where(Hazard.id.in_([v["_id"] for v in changed])))}
    headers = {c.id: c.header for c in HAZARDS.columns}
    return [RowError(v["_row"], headers[column], message) for v in changed
            for column, message in _loop_problems(v, stored[v["_id"]])]


def state_of(values: dict[str, Any], current: str | None = None) -> str:
    """The loop state a row's columns say it reached: verified → 销号 for 一般 but 待验收 for
    重大 (only the bureau's verification closes it); completed → 待验收; else 整改中, or 登记
    for a 重大 one (its 治理方案 first). A row never moves back by an upload: a hazard the
    bureau closed stays closed."""
    if values.get("verified_on"):
        state = "to_verify" if values.get("level") == "重大" else "closed"
    elif values.get("completed_on"):
        state = "to_verify"
    elif values.get("level") == "重大":
        state = "registered"   # its 治理方案 comes before rectification starts
    else:
        state = "rectifying"
    order = ("registered", "rectifying", "to_verify", "closed")
    if current in order and order.index(current) > order.index(state):
        return current
    return state


def _store(ctx: ServiceContext, lt: LedgerType, plan: _Plan, record: LedgerImport) -> None:
    if lt is HAZARDS:
        _store_hazards(ctx, plan, record)
    else:
        _store_rows(ctx, lt, plan, record)
    audit.record(ctx, "ledger.import", "ledger_import", record.id,
                 f"导入{lt.title}“{record.filename}”：新增{record.created}条，更新{record.updated}条，"
                 f"未变{record.unchanged}条",
                 payload={"ledger_type": record.ledger_type, "version": record.type_version, "sha256": record.sha256,
                          "rows": record.rows, "created": record.created, "updated": record.updated,
                          "unchanged": record.unchanged}, tenant_id=ctx.actor.tenant_id)
    if lt is HAZARDS:
        _report_majors(ctx, ctx.session.get(Tenant, ctx.actor.tenant_id),
                       [v["code"] for v in plan.new if v.get("level") == "重大"], f"ledger_import:{record.id}:majors")


def _jsonable(lt: LedgerType, values: dict[str, Any]) -> dict[str, Any]:
    return {c.id: values[c.id].isoformat() if c.type == "date" and values[c.id] is not None else values[c.id]
            for c in lt.columns}


def _store_rows(ctx: ServiceContext, lt: LedgerType, plan: _Plan, record: LedgerImport) -> None:
    """Another type's rows: its values as one JSON document per row, by key."""
    tenant_id, now = ctx.actor.tenant_id, utcnow()
    insert_rows(ctx.session, LedgerRow, [
        {"tenant_id": tenant_id, "ledger_type": lt.id, "key": str(v[lt.key.id]), "values": _jsonable(lt, v),
         "digest": v["digest"], "import_id": record.id, "created_at": now, "updated_at": now, "version": 1,
         "campaign_id": plan.campaign_id}
        for v in plan.new])
    if plan.changed:
        table = LedgerRow.__table__
        stmt = (update(table).where(table.c.id == bindparam("_id"), table.c.tenant_id == tenant_id)
                .values(values=bindparam("v_values"), digest=bindparam("v_digest"), import_id=record.id,
                        updated_at=now, version=table.c.version + 1))
        ctx.session.execute(stmt, [{"_id": v["_id"], "v_values": _jsonable(lt, v), "v_digest": v["digest"]}
                                   for v in plan.changed])


def _store_hazards(ctx: ServiceContext, plan: _Plan, record: LedgerImport) -> None:
    tenant_id, now = ctx.actor.tenant_id, utcnow()
    def new_row(v: dict[str, Any]) -> dict[str, Any]:
        state = state_of(v)
        return {**v, "tenant_id": tenant_id, "status": state, "import_id": record.id, "created_at": now,
                "updated_at": now, "version": 1, "reopened": 0, "campaign_id": plan.campaign_id,
                "closed_on": v.get("verified_on") if state == "closed" else None}

    insert_rows(ctx.session, Hazard, [new_row(v) for v in plan.new])
    if plan.changed:
        columns = [c.id for c in HAZARDS.columns] + ["digest"]
        table = Hazard.__table__
        stmt = (update(table).where(table.c.id == bindparam("_id"), table.c.tenant_id == tenant_id)
                .values({c: bindparam(f"v_{c}") for c in columns}
                        | {"status": bindparam("v_status"), "import_id": record.id, "updated_at": now,
                           "version": table.c.version + 1,
                           # Closed by this upload: closed on its 验收日期, as a new row is.
                           "closed_on": case((bindparam("v_closes", type_=Boolean), bindparam("v_closed_on", type_=Date)),
                                             else_=table.c.closed_on)}))
        params = []
        for v in plan.changed:
            state = state_of(v, v["_status"])
            params.append({"_id": v["_id"], "v_status": state, **{f"v_{c}": v.get(c) for c in columns},
                           "v_closes": state == "closed" and v["_status"] != "closed", "v_closed_on": v.get("verified_on")})
        ctx.session.execute(stmt, params)


def _report_majors(ctx: ServiceContext, enterprise: Tenant, codes: list[str], dedupe_key: str,
                   link: str | None = None) -> None:
    """安全生产法第四十一条: a 重大 hazard is reported to the supervising department at once."""
    if not codes or not enterprise.parent_id:
        return
    named = "、".join(codes[:10]) + ("等" if len(codes) > 10 else "")
    notifications.notify_role(
        ctx, enterprise.parent_id, BUREAU_ROLES, f"{enterprise.name}登记重大事故隐患{len(codes)}项",
        body=f"{enterprise.name}登记重大事故隐患：{named}。请及时掌握整改情况，必要时挂牌督办。",
        link=link or f"/ledgers/hazards?level={quote('重大')}&enterprise={enterprise.id}", dedupe_key=dedupe_key)


def register_hazard(ctx: ServiceContext, data: dict) -> Hazard:
    """One hazard entered on the page (a phone at the plant): the declaration's columns by
    id, converted and checked as an uploaded row is; its state from its columns as on
    import. A 重大 one is reported to the bureau at once."""
    refuse(import_refusal(ctx))
    cells = {c.id: data.get(c.id) for c in HAZARDS.columns}
    records, errors = HAZARDS.validate([(0, cells)])
    ids = {c.header: c.id for c in HAZARDS.columns}
    problems: dict[str, list[str]] = {}
    for e in errors:
        problems.setdefault(ids.get(e.column, e.column), []).append(e.message)
    if not problems and (problem := criteria.check_majors(ctx, records, "")):
        problems["basis"] = [problem[0].message]
    if not problems and (problem := _unknown_risk_points(ctx, records)):
        problems["risk_point"] = [problem[0].message]
    if not problems and ctx.session.scalar(select(Hazard.id).where(Hazard.tenant_id == ctx.actor.tenant_id,
                                                                   Hazard.code == records[0]["code"])):
        problems["code"] = [f"隐患编号“{records[0]['code']}”已存在"]
    if problems:
        raise ValidationFailed(problems)
    values = records[0]
    del values["_row"]
    state = state_of(values)
    hazard = Hazard(**values, tenant_id=ctx.actor.tenant_id, status=state, digest=_digest(values, list(cells)),
                    closed_on=values.get("verified_on") if state == "closed" else None)
    ctx.session.add(hazard)
    ctx.session.flush()
    audit.record(ctx, "hazard.register", "hazard", hazard.id,
                 f"登记{hazard.level}隐患{hazard.code}：{hazard.location}，{hazard.description[:60]}",
                 payload={"level": hazard.level, "status": state}, tenant_id=hazard.tenant_id)
    if hazard.level == "重大":
        _report_majors(ctx, ctx.session.get(Tenant, hazard.tenant_id), [hazard.code], f"hazard:{hazard.id}:registered",
                       link=f"/ledgers/hazards/{hazard.id}")
    return hazard


def next_code(ctx: ServiceContext, tenant_id: int | None = None, *, after: int = 0) -> str:
    """A 隐患编号 to suggest on the page: YH + today + the day's next number (`after` more
    for a batch registered together)."""
    prefix = f"YH{beijing_today():%Y%m%d}-"
    codes = ctx.session.scalars(select(Hazard.code).where(Hazard.tenant_id == (tenant_id or ctx.actor.tenant_id),
                                                          Hazard.code.startswith(prefix, autoescape=True)))
    # After the highest number of the day, not the count: an imported code may have skipped one.
    top = max((int(c[len(prefix):]) for c in codes if c[len(prefix):].isascii() and c[len(prefix):].isdigit()),
              default=0)
    return f"{prefix}{top + 1 + after:03d}"


def register_findings(ctx: ServiceContext, tenant_id: int, campaign_id: int, findings: list[dict], *,
                      source: str, found_by: str, department: str, found_on: date) -> list[Hazard]:
    """Problems a campaign found at an enterprise (its own self-check, or a section's
    inspection) as 一般 hazards of the enterprise's ledger, tagged with the campaign: they
    are rectified and closed through the ledger's loop like any other. Each finding holds
    description, location, measures, owner, due_on (ISO). All or nothing."""
    rows = [(i, {"code": next_code(ctx, tenant_id, after=i), "source": source, "found_on": found_on,
                 "found_by": found_by, "department": department, "location": f.get("location") or department,
                 "description": f["description"], "category": f.get("category") or "现场管理类", "level": "一般",
                 "measures": f["measures"], "owner": f["owner"], "due_on": f["due_on"]})
            for i, f in enumerate(findings)]
    records, errors = HAZARDS.validate(rows)
    if errors:
        raise ValidationFailed({f"findings.{e.row}": [f"第{e.row + 1}条问题：" + (e.message if e.message.startswith(e.column)
                                                                             else f"{e.column}{e.message}")]
                                for e in errors})
    out = []
    for values in records:
        del values["_row"]
        hazard = Hazard(**values, tenant_id=tenant_id, status=state_of(values), campaign_id=campaign_id,
                        digest=_digest(values, [c.id for c in HAZARDS.columns]))
        ctx.session.add(hazard)
        out.append(hazard)
    ctx.session.flush()
    for hazard in out:
        audit.record(ctx, "hazard.register", "hazard", hazard.id,
                     f"专项整治发现问题，登记一般隐患{hazard.code}：{hazard.location}，{hazard.description[:60]}",
                     payload={"level": hazard.level, "status": hazard.status, "campaign_id": campaign_id,
                              "source": source}, tenant_id=tenant_id)
    return out


def _rejected(ctx: ServiceContext, lt: LedgerType, name: str, digest: str, *, message: str | None = None,
              rows: int = 0, errors: list[RowError] = (), annotated: bytes | None = None) -> ImportResult:
    """The refused import's record (and annotated copy), in a unit of work of its own: the
    caller's transaction stores nothing of the file and rolls back."""
    with side_session(ctx.session) as s:
        bind(s, scope_of(ctx.session))
        own = ServiceContext(s, ctx.actor)
        error_file = None
        if annotated is not None:
            stem = name.rsplit(".", 1)[0]
            error_file = ctx.house.files.store_generated(own, annotated, f"{stem}（错误标注）.xlsx", "xlsx",
                                                         tenant_id=ctx.actor.tenant_id)
        record = LedgerImport(
            tenant_id=ctx.actor.tenant_id, ledger_type=lt.id, type_version=lt.version, filename=name, sha256=digest,
            status="rejected", rows=rows, error_count=len(errors), message=message,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in errors[:LISTED_ERRORS]],
            error_file_id=error_file.id if error_file else None, created_by=ctx.actor.user_id)
        s.add(record)
        s.flush()
        audit.record(own, "ledger.import_rejected", "ledger_import", record.id,
                     f"{lt.title}“{name}”未通过校验，未保存：" + (message or f"{len(errors)}处错误"),
                     payload={"ledger_type": lt.id, "sha256": digest, "rows": rows, "errors": len(errors)},
                     tenant_id=ctx.actor.tenant_id)
        s.commit()
        record_id = record.id
    return ImportResult(ctx.session.get(LedgerImport, record_id), list(errors))


def get_import(ctx: ServiceContext, import_id: int) -> LedgerImport:
    """An import of the caller's visible tenants (404 otherwise)."""
    ctx.require()
    found = ctx.session.get(LedgerImport, import_id)
    if found is None:
        raise NotFound("导入记录不存在或无权访问")
    return found


def export_hazards(ctx: ServiceContext, format_id: str = "xlsx", where: HazardFilter | None = None,
                   ) -> tuple[bytes, str, str]:
    """The caller's visible hazards matching `where`: (content, file name, content type). As xlsx: the
    template's columns, then 状态 and 逾期 (and 企业 for a bureau), rows streamed from the
    database in constant memory, so the file uploads again as it is. Another format (a
    plugin's) gets the same columns through the platform's export, escaped as every export."""
    ctx.require()
    today = beijing_today()
    bureau = ctx.actor.is_bureau or ctx.actor.is_system
    stmt = ((where or ANY).apply(select(*[getattr(Hazard, c.id) for c in HAZARDS.columns], Hazard.status, Tenant.name),
                                 today)
            .join(Tenant, Tenant.id == Hazard.tenant_id).order_by(Tenant.path, Hazard.code)
            .execution_options(yield_per=5000))
    n = len(HAZARDS.columns)
    due_at = [c.id for c in HAZARDS.columns].index("due_on")

    def rows():  # noqa: ANN202
        for row in ctx.session.execute(stmt):
            status, enterprise = row[n], row[n + 1]
            overdue = status in OPEN_STATES and row[due_at] < today
            yield [*row[:n], HAZARD_STATES.get(status, status), "是" if overdue else ""] + ([enterprise] if bureau else [])

    extra = ("状态", "逾期") + (("企业",) if bureau else ())
    if format_id != "xlsx":
        return exports.export(ctx, format_id, HAZARDS.title, [c.header for c in HAZARDS.columns] + list(extra),
                              list(rows()))
    return xlsx.export(HAZARDS, rows(), extra), f"{HAZARDS.title}（{today.isoformat()}）.xlsx", xlsx.XLSX_TYPE


@dataclass(frozen=True)
class HazardFilter:
    """What a ledger view shows (the page's filters, the API's query, the export): each
    None means any. Overdue is computed against `today`, never read from a column."""

    status: str | None = None
    level: str | None = None
    source: str | None = None
    category: str | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    reopened: bool | None = None
    enterprise_id: int | None = None
    risk_point: str | None = None
    campaign_id: int | None = None
    q: str | None = None

    def apply(self, stmt: Any, today: Any) -> Any:
        for name in ("status", "level", "source", "category"):
            if getattr(self, name):
                stmt = stmt.where(getattr(Hazard, name) == getattr(self, name))
        if self.enterprise_id:
            stmt = stmt.where(Hazard.tenant_id == self.enterprise_id)
        if self.risk_point:
            stmt = stmt.where(Hazard.risk_point == self.risk_point)
        if self.campaign_id:
            stmt = stmt.where(Hazard.campaign_id == self.campaign_id)
        if self.overdue is not None:
            late = and_(Hazard.status.in_(OPEN_STATES), Hazard.due_on < today)
            stmt = stmt.where(late if self.overdue else not_(late))
        if self.supervised is not None:
            under = and_(Hazard.supervised_no.is_not(None), Hazard.status != "closed")
            stmt = stmt.where(under if self.supervised else not_(under))
        if self.reopened is not None:
            stmt = stmt.where(Hazard.reopened > 0 if self.reopened else Hazard.reopened == 0)
        for word in (self.q or "").split():
            stmt = stmt.where(Hazard.code.contains(word, autoescape=True)
                              | Hazard.description.contains(word, autoescape=True)
                              | Hazard.location.contains(word, autoescape=True))
        return stmt

    def params(self) -> dict[str, str]:
        """As a query string again (the pager's and export's links)."""
        out = {k: getattr(self, k) for k in ("status", "level", "source", "category", "risk_point", "q")
               if getattr(self, k)}
        out |= {k: "1" if getattr(self, k) else "0" for k in ("overdue", "supervised", "reopened")
                if getattr(self, k) is not None}
        return (out | ({"enterprise": str(self.enterprise_id)} if self.enterprise_id else {})
                | ({"campaign": str(self.campaign_id)} if self.campaign_id else {}))


# The enum columns a ledger view filters by, with their declared values.
FILTER_CHOICES = {c.id: c.choices for c in HAZARDS.columns if c.id in ("level", "source", "category")}
ANY = HazardFilter()


def list_hazards(ctx: ServiceContext, where: HazardFilter = ANY, *, limit: int = 50, offset: int = 0) -> list[Hazard]:
    """The caller's visible hazards matching `where`: overdue first, then by 整改期限."""
    ctx.require()
    stmt = where.apply(select(Hazard), beijing_today())
    return list(ctx.session.scalars(stmt.order_by(Hazard.status == "closed", Hazard.due_on, Hazard.id)
                                    .limit(limit).offset(offset)))


def count_hazards(ctx: ServiceContext, where: HazardFilter = ANY) -> int:
    ctx.require()
    return ctx.session.scalar(where.apply(select(func.count(Hazard.id)), beijing_today())) or 0


# --------------------------------------------------------------------------- other ledger types

def _rows_query(lt: LedgerType, enterprise_id: int | None, q: str | None,  # noqa: ANN202
                campaign_id: int | None = None):
    stmt = select(LedgerRow).where(LedgerRow.ledger_type == lt.id)
    if enterprise_id:
        stmt = stmt.where(LedgerRow.tenant_id == enterprise_id)
    if campaign_id:
        stmt = stmt.where(LedgerRow.campaign_id == campaign_id)
    for word in (q or "").split():
        stmt = stmt.where(LedgerRow.key.contains(word, autoescape=True))
    return stmt


def list_rows(ctx: ServiceContext, lt: LedgerType, *, enterprise_id: int | None = None, q: str | None = None,
              limit: int = 50, offset: int = 0, campaign_id: int | None = None) -> list[LedgerRow]:
    """The visible rows of a ledger type other than the hazard ledger (as `ledger_type`
    gave it the caller), by enterprise and key; `campaign_id`: those uploaded for it."""
    return list(ctx.session.scalars(_rows_query(lt, enterprise_id, q, campaign_id)
                                    .order_by(LedgerRow.tenant_id, LedgerRow.key)
                                    .limit(limit).offset(offset)))


def count_rows(ctx: ServiceContext, lt: LedgerType, *, enterprise_id: int | None = None, q: str | None = None) -> int:
    stmt = _rows_query(lt, enterprise_id, q).with_only_columns(func.count(LedgerRow.id))
    return ctx.session.scalar(stmt) or 0


def cells(lt: LedgerType, values: dict[str, Any]) -> list[Any]:
    """A stored row's values in column order, dates as dates again."""
    return [parse_date(values.get(c.id)) if c.type == "date" and values.get(c.id) else values.get(c.id)
            for c in lt.columns]


def export_rows(ctx: ServiceContext, lt: LedgerType, format_id: str = "xlsx", *,
                enterprise_id: int | None = None) -> tuple[bytes, str, str]:
    """A ledger type's visible rows: the template's columns (as xlsx it uploads again as
    it is, streamed in constant memory), then 企业 for a bureau; another format (a
    plugin's) through the platform's export, escaped as every export."""
    bureau = ctx.actor.is_bureau or ctx.actor.is_system
    stmt = (_rows_query(lt, enterprise_id, None).with_only_columns(LedgerRow.values, Tenant.name)
            .join(Tenant, Tenant.id == LedgerRow.tenant_id).order_by(Tenant.path, LedgerRow.key)
            .execution_options(yield_per=5000))
    rows = ([*cells(lt, values), *([name] if bureau else [])] for values, name in ctx.session.execute(stmt))
    extra = ("企业",) if bureau else ()
    if format_id != "xlsx":
        return exports.export(ctx, format_id, lt.title, [c.header for c in lt.columns] + list(extra), list(rows))
    return xlsx.export(lt, rows, extra), f"{lt.title}（{beijing_today().isoformat()}）.xlsx", xlsx.XLSX_TYPE
