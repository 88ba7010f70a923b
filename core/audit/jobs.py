"""The audit area's background job: checking every chain (declared in its manifest)."""
from __future__ import annotations

from collections.abc import Callable

from core.audit import service as audit
from core.context import ServiceContext
from core.db import side_session
from core.errors import PermissionDenied
from core.jobs.models import Job
from core.jobs.registry import JobKind
from tenants.scoping import Scope, bind

MAX_LISTED_PROBLEMS = 500


def require_root_admin(ctx: ServiceContext) -> None:
    """The chain spans every jurisdiction, so only an admin of a top-level bureau (or the
    system) may check it: its report names events of other tenants."""
    ctx.require("admin", bureau=True, message="只有市级（顶级）应急管理局管理员可以校验审计链")
    if not ctx.actor.is_system and ctx.actor.tenant_path.count("/") != 2:
        raise PermissionDenied("只有市级（顶级）应急管理局管理员可以校验审计链")


VERIFY = JobKind("audit.verify", "core.audit.jobs:verify_audit_chain", "校验审计链",
                 roles=("admin",), bureau=True, check=require_root_admin)


def verify_audit_chain(ctx: ServiceContext, job: Job, progress: Callable) -> dict:
    """Recompute every audit chain (the system's too: the chains are the installation's, not
    a jurisdiction's) and keep the report: how many events were checked and what is wrong."""
    require_root_admin(ctx)
    progress(0, 1, "正在校验审计记录")
    # The same checks as `anjian audit verify`, with the key and checkpoint file of the app's config.
    house = ctx.house
    with side_session(ctx.session) as s:  # read-only, over every chain
        bind(s, Scope.system())
        report = audit.verify_anchored(s, audit.derive_key(house.config["SECRET_KEY"]),
                                       audit.checkpoint_path(house.config, house.instance_path), progress)
    problems = report.problems[:MAX_LISTED_PROBLEMS]
    if report.ok:
        summary = f"审计链完整：共校验 {report.checked} 条记录"
    else:
        summary = f"审计链校验发现 {len(report.problems)} 个问题（共检查 {report.checked} 条记录）"
    return {"checked": report.checked, "ok": report.ok, "problem_count": len(report.problems),
            "problems": problems, "summary": summary, "details": problems}
