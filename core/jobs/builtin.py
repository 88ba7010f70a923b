"""Job kinds the core itself offers, registered exactly as areas and plugins register theirs.
Imported by `init_executor`, so web, CLI and worker processes all know them."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from core.audit import service as audit
from core.audit.models import AuditEvent
from core.context import ServiceContext
from core.jobs.models import Job
from core.jobs.registry import register_job

register_job("audit.verify", "core.jobs.builtin:verify_audit_chain", "校验审计链",
             roles=("admin",), bureau=True)

MAX_LISTED_PROBLEMS = 500
PROGRESS_EVERY = 500


class _RowCounter:
    """Passes a session to `audit.verify` while counting the events it streams, so a long
    chain shows real progress. verify() reads rows through `session.execute(...)` and the
    head through `session.get`; everything else is the plain session."""

    def __init__(self, session, total: int, progress: Callable):  # noqa: ANN001
        self._session, self._total, self._progress = session, total, progress

    def execute(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return _CountedRows(self._session.execute(*args, **kwargs), self._total, self._progress)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._session, name)


class _CountedRows:
    def __init__(self, result, total: int, progress: Callable):  # noqa: ANN001
        self._result, self._total, self._progress = result, total, progress

    def __iter__(self):  # noqa: ANN204
        for n, row in enumerate(self._result, start=1):
            if n % PROGRESS_EVERY == 0:
                self._progress(n, self._total, f"已校验 {n} / {self._total} 条审计记录")
            yield row

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._result, name)


def verify_audit_chain(ctx: ServiceContext, job: Job, progress: Callable) -> dict:
    """Recompute the whole audit chain (it is global: one chain for every tenant) and keep
    the report: how many events were checked and what is wrong."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以校验审计链")
    total = ctx.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    progress(0, total, f"正在校验 {total} 条审计记录")
    report = audit.verify(_RowCounter(ctx.session, total, progress))
    problems = report.problems[:MAX_LISTED_PROBLEMS]
    if report.ok:
        summary = f"审计链完整：共校验 {report.checked} 条记录"
    else:
        summary = f"审计链校验发现 {len(report.problems)} 个问题（共检查 {report.checked} 条记录）"
    return {"checked": report.checked, "ok": report.ok, "problem_count": len(report.problems),
            "problems": problems, "summary": summary, "details": problems}
