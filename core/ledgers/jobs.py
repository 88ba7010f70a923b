"""The ledger import as a background job, for uploads too large to import while the
browser waits: the file was kept through the files area by `service.start_import`; the job
reads it back and runs the same `import_ledger`, its stages shown on the job's page."""
from __future__ import annotations

from collections.abc import Callable

from core.context import ServiceContext
from core.jobs.models import Job
from core.jobs.registry import JobKind
from core.ledgers.service import ENTERPRISE_ROLES, import_ledger

DETAILS = 10    # errors listed on the job's page; all are on the import's page and in its file


def import_job(ctx: ServiceContext, job: Job, progress: Callable[[int, int, str | None], None]) -> dict:
    params = job.params
    _stored, path = ctx.house.files.open_blob(ctx, params["file_id"])
    result = import_ledger(ctx, params["type"], path.read_bytes(), params["filename"], dry_run=params["dry_run"],
                           progress=progress, campaign_id=params.get("campaign_id"))
    r = result.record
    if r.status == "rejected":
        summary = r.message or f"未通过校验：共 {r.error_count} 处错误，未保存任何数据"
    else:
        summary = ("预检：" if r.status == "preview" else "已导入：") + f"新增 {r.created} 条，更新 {r.updated} 条，未变 {r.unchanged} 条"
    return {"summary": summary, "details": [f"第{e['row']}行 {e['column']}：{e['message']}" for e in r.errors[:DETAILS]],
            "status": r.status, "import_id": r.id, "link": f"/ledgers/imports/{r.id}", "link_label": "查看导入结果"}


IMPORT = JobKind("ledgers.import", "core.ledgers.jobs:import_job", "导入台账", roles=ENTERPRISE_ROLES, bureau=False)
