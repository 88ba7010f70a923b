"""Evidence of a hazard's rectification: photos and files at each stage — the hazard as
found, the work done, the enterprise's verification, the bureau's own check — kept through
the files area under the enterprise. Seed 001 complains of 纸面整改 (rectification on paper
only): a 重大 hazard is marked rectified only with a 整改后 photo or file on record."""
from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select

from core.audit import service as audit
from core.context import ServiceContext
from core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    ValidationFailed,
    refuse,
)
from core.files.models import StoredFile
from core.ledgers.loop import by_bureau, by_enterprise, get_hazard, text_field
from core.ledgers.models import EVIDENCE_STAGES, Hazard, HazardEvidence
from core.ledgers.service import BUREAU_ROLES, ENTERPRISE_ROLES

KINDS = {"jpg", "png", "pdf", "docx", "xlsx"}
NOTE_MAX = 200
ENTERPRISE_STAGES = ("found", "plan", "rectified", "verified")
BUREAU_STAGES = ("inspection",)


def evidence_refusal(ctx: ServiceContext, hazard: Hazard, stage: str | None = None) -> DomainError | None:
    """Why the caller may not add evidence (at `stage`, or at any stage it could): the
    enterprise documents its own open hazard, its bureau documents its check."""
    if ctx.actor.is_bureau:
        denied = ctx.refusal(*BUREAU_ROLES, bureau=True, message="只有应急管理局的管理员或审查人员可以上传核查照片")
        problem = denied or (PermissionDenied(p) if (p := by_bureau(ctx, hazard)) else None)
        allowed = BUREAU_STAGES
    else:
        denied = ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以上传整改资料")
        problem = denied or (PermissionDenied(p) if (p := by_enterprise(ctx, hazard)) else None) or (
            Conflict("该隐患已销号，不能再补充整改资料") if hazard.status == "closed" else None)
        allowed = ENTERPRISE_STAGES
    if problem is None and stage is not None and stage not in allowed:
        problem = ValidationFailed({"stage": ["阶段只能是" + "、".join(EVIDENCE_STAGES[s] for s in allowed)]})
    return problem


def stages_for(ctx: ServiceContext) -> dict[str, str]:
    return {s: EVIDENCE_STAGES[s] for s in (BUREAU_STAGES if ctx.actor.is_bureau else ENTERPRISE_STAGES)}


def add_evidence(ctx: ServiceContext, hazard_id: int, stage: str, stream: BinaryIO, filename: str,
                 note: str | None = None) -> HazardEvidence:
    """Keep one photo or file with the hazard (checked by content and size by the files area)."""
    hazard = get_hazard(ctx, hazard_id)
    refuse(evidence_refusal(ctx, hazard, stage if isinstance(stage, str) else ""))
    note = text_field({"note": note}, "note", "说明", NOTE_MAX, required=False)
    stored = ctx.house.files.store_upload(ctx, stream, filename, KINDS, tenant_id=hazard.tenant_id)
    item = HazardEvidence(tenant_id=hazard.tenant_id, hazard_id=hazard.id, file_id=stored.id, stage=stage, note=note,
                          created_by=ctx.actor.user_id)
    ctx.session.add(item)
    ctx.session.flush()
    audit.record(ctx, "hazard.evidence", "hazard", hazard.id,
                 f"隐患{hazard.code}：上传{EVIDENCE_STAGES[stage]}资料“{stored.original_name}”",
                 payload={"evidence_id": item.id, "file_id": stored.id, "stage": stage, "note": note},
                 tenant_id=hazard.tenant_id)
    return item


def evidence_of(ctx: ServiceContext, hazard: Hazard) -> list[tuple[HazardEvidence, StoredFile]]:
    """The hazard's evidence with its files, oldest first."""
    return list(ctx.session.execute(
        select(HazardEvidence, StoredFile).join(StoredFile, StoredFile.id == HazardEvidence.file_id)
        .where(HazardEvidence.hazard_id == hazard.id).order_by(HazardEvidence.id)).all())

