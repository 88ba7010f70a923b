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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select, update

from core import exports
from core.audit import service as audit
from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.db import side_session, utcnow
from core.errors import NotFound, PermissionDenied, refuse
from core.ledgers import templates, xlsx
from core.ledgers.declaration import LedgerType, RowError, compile_ledger
from core.ledgers.models import HAZARD_STATES, OPEN_STATES, Hazard, LedgerImport
from core.ledgers.standard import HAZARD_LEDGER
from core.notifications import service as notifications
from core.plugins.templates import validate_template
from tenants.models import Tenant
from tenants.scoping import bind, insert_rows, scope_of

HAZARDS = compile_ledger(validate_template(copy.deepcopy(HAZARD_LEDGER), {"ledger": templates.LEDGER}))
# Who keeps an enterprise's ledger, and who at its bureau hears of it.
ENTERPRISE_ROLES = ("admin", "officer")
BUREAU_ROLES = ("admin", "reviewer")
LISTED_ERRORS = 200           # errors kept on the import's record; all are in the annotated copy


def ledger_types(ctx: ServiceContext) -> list[LedgerType]:
    """The ledger types the caller can keep and import."""
    ctx.require()
    return [HAZARDS]


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


def import_ledger(ctx: ServiceContext, type_id: str, data: bytes, filename: str, *,
                  dry_run: bool = False) -> ImportResult:
    """Import an uploaded ledger file into the caller's enterprise. Returns the result:
    "stored" (every row upserted), "preview" (a dry run: what storing would do), or
    "rejected" (nothing stored; its record and annotated copy are kept all the same)."""
    refuse(import_refusal(ctx))
    lt = ledger_type(ctx, type_id)
    digest = hashlib.sha256(data).hexdigest()
    name = (filename or "台账.xlsx")[:255]
    try:
        upload = xlsx.read_upload(data, lt, max_bytes=ctx.house.files.max_bytes)
    except xlsx.FileRefused as e:
        return _rejected(ctx, lt, name, digest, message=e.message)
    records, errors = lt.validate(upload.rows, upload.positions)
    if errors:
        return _rejected(ctx, lt, name, digest, rows=len(upload.rows), errors=errors,
                         annotated=xlsx.annotated(upload, errors, lt))
    plan = _plan(ctx, lt, records)
    record = LedgerImport(tenant_id=ctx.actor.tenant_id, ledger_type=lt.id, type_version=lt.version, filename=name,
                          sha256=digest, status="preview" if dry_run else "stored", rows=len(records),
                          created=len(plan.new), updated=len(plan.changed), unchanged=plan.unchanged,
                          created_by=ctx.actor.user_id, errors=[])
    ctx.session.add(record)
    ctx.session.flush()
    if not dry_run:
        _store(ctx, plan, record)
    return ImportResult(record)


# --------------------------------------------------------------------------- storing

@dataclass
class _Plan:
    new: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    unchanged: int


def _digest(values: dict[str, Any], ids: list[str]) -> str:
    """The declared values as stored, in one string (dates ISO, empty as nothing; no cell
    holds the separator, text_problem refuses control characters)."""
    return hashlib.sha256("\x1f".join("" if values[c] is None else str(values[c]) for c in ids).encode()).hexdigest()


def _plan(ctx: ServiceContext, lt: LedgerType, records: list[dict[str, Any]]) -> _Plan:
    """Which rows are new, which changed, how many are as stored: one query for the
    enterprise's keys and digests."""
    tenant_id = ctx.actor.tenant_id
    stored = {code: (hid, digest, status) for hid, code, digest, status in ctx.session.execute(
        select(Hazard.id, Hazard.code, Hazard.digest, Hazard.status).where(Hazard.tenant_id == tenant_id))}
    new, changed, unchanged = [], [], 0
    ids = [c.id for c in lt.columns]
    for values in records:
        del values["_row"]
        values["digest"] = _digest(values, ids)
        have = stored.get(values[lt.key.id])
        if have is None:
            new.append(values)
        elif have[1] == values["digest"]:
            unchanged += 1
        else:
            changed.append({**values, "_id": have[0], "_status": have[2]})
    return _Plan(new, changed, unchanged)


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


def _store(ctx: ServiceContext, plan: _Plan, record: LedgerImport) -> None:
    tenant_id, now = ctx.actor.tenant_id, utcnow()
    def new_row(v: dict[str, Any]) -> dict[str, Any]:
        state = state_of(v)
        return {**v, "tenant_id": tenant_id, "status": state, "import_id": record.id, "created_at": now,
                "updated_at": now, "version": 1, "reopened": 0,
                "closed_on": v.get("verified_on") if state == "closed" else None}

    insert_rows(ctx.session, Hazard, [new_row(v) for v in plan.new])
    if plan.changed:
        columns = [c.id for c in HAZARDS.columns] + ["digest"]
        stmt = (update(Hazard.__table__).where(Hazard.__table__.c.id == bindparam("_id"),
                                                Hazard.__table__.c.tenant_id == tenant_id)
                .values({c: bindparam(f"v_{c}") for c in columns}
                        | {"status": bindparam("v_status"), "import_id": record.id, "updated_at": now,
                           "version": Hazard.__table__.c.version + 1}))
        ctx.session.execute(stmt, [{"_id": v["_id"], "v_status": state_of(v, v["_status"]),
                                    **{f"v_{c}": v.get(c) for c in columns}} for v in plan.changed])
    enterprise = ctx.session.get(Tenant, tenant_id)
    audit.record(ctx, "ledger.import", "ledger_import", record.id,
                 f"导入{HAZARDS.title}“{record.filename}”：新增{record.created}条，更新{record.updated}条，"
                 f"未变{record.unchanged}条",
                 payload={"ledger_type": record.ledger_type, "version": record.type_version, "sha256": record.sha256,
                          "rows": record.rows, "created": record.created, "updated": record.updated,
                          "unchanged": record.unchanged}, tenant_id=tenant_id)
    majors = [v for v in plan.new if v.get("level") == "重大"]
    if majors and enterprise.parent_id:
        # 安全生产法第四十一条: a major hazard is reported to the supervising department at once.
        codes = "、".join(v["code"] for v in majors[:10]) + ("等" if len(majors) > 10 else "")
        notifications.notify_role(
            ctx, enterprise.parent_id, BUREAU_ROLES, f"{enterprise.name}登记重大事故隐患{len(majors)}项",
            body=f"{enterprise.name}于台账导入中登记重大事故隐患：{codes}。请及时掌握整改情况，必要时挂牌督办。",
            link="/ledgers/hazards", dedupe_key=f"ledger_import:{record.id}:majors")


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


def export_hazards(ctx: ServiceContext, format_id: str = "xlsx") -> tuple[bytes, str, str]:
    """The caller's visible hazards: (content, file name, content type). As xlsx: the
    template's columns, then 状态 and 逾期 (and 企业 for a bureau), rows streamed from the
    database in constant memory, so the file uploads again as it is. Another format (a
    plugin's) gets the same columns through the platform's export, escaped as every export."""
    ctx.require()
    today = beijing_today()
    bureau = ctx.actor.is_bureau or ctx.actor.is_system
    stmt = (select(*[getattr(Hazard, c.id) for c in HAZARDS.columns], Hazard.status, Tenant.name)
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


def list_hazards(ctx: ServiceContext, *, limit: int = 50, offset: int = 0) -> list[Hazard]:
    """The caller's visible hazards, by enterprise and code."""
    ctx.require()
    return list(ctx.session.scalars(select(Hazard).order_by(Hazard.tenant_id, Hazard.code).limit(limit).offset(offset)))


def count_hazards(ctx: ServiceContext) -> int:
    ctx.require()
    return ctx.session.scalar(select(func.count(Hazard.id))) or 0
