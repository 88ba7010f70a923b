"""The audit filter as the 审计记录 page and the API read it from a query string."""
from __future__ import annotations

from datetime import datetime, timedelta

from core.audit import service as audit
from core.errors import ValidationFailed
from core.web.paging import id_of, query_of


def parse_filter(args) -> audit.AuditFilter:  # noqa: ANN001
    """Query-string filter shared by the page and the API. Dates are Beijing dates."""
    def day(name: str) -> datetime | None:
        raw = args.get(name)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y-%m-%d") - timedelta(hours=8)
        except (ValueError, OverflowError):  # 0001-01-01 minus eight hours is before datetime.min
            raise ValidationFailed({name: ["日期格式应为 YYYY-MM-DD"]}) from None
    until = day("until")
    return audit.AuditFilter(action=args.get("action") or None, object_type=args.get("object_type") or None,
                             actor=(args.get("actor") or "").strip() or None, tenant_id=_id(args, "tenant_id"),
                             since=day("since"), until=until + timedelta(days=1) if until else None,
                             q=query_of(args))


def _id(args, name: str) -> int | None:  # noqa: ANN001
    """An id filter; a value that is no id is refused (the API's callers learn of it)."""
    value = id_of(args, name)
    if value is None and args.get(name):
        raise ValidationFailed({name: ["编号无效"]})
    return value
