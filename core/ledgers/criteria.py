"""重大事故隐患判定标准 as a rule of the ledger: where a plugin offers criteria to the
enterprise's industry (the `criteria` template kind, e.g. the 20 items of 《化工和危险化学品
生产经营单位重大生产安全事故隐患判定标准（试行）》 for hazardous-chemical enterprises), a 重大
hazard's 判定依据 names one of their items — "第12项", "第十二项", "12" — on import and on
the page alike. Elsewhere it stays free text."""
from __future__ import annotations

import re
from typing import Any

from core.context import ServiceContext
from core.ledgers.declaration import RowError
from core.plugins.service import offered_templates

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NAMED = re.compile(r"第\s*([0-9０-９]+|[零一二两三四五六七八九十百]+)\s*[项条]")
_LEADING = re.compile(r"^\s*[（(]?\s*([0-9０-９]{1,3})\s*[)）.、．]?")


def _chinese(text: str) -> int | None:
    """一 … 九十九 (and 一百 …) as a number; None if it is not one."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current or None


def item_number(basis: Any) -> int | None:
    """The item a 判定依据 names: "…第12项", "第十二项", "12" or "（12）…"."""
    if not isinstance(basis, str):
        return None
    found = _NAMED.search(basis) or _LEADING.match(basis)
    if not found:
        return None
    token = found.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return int(token) if token.isdigit() else _chinese(token)


def criteria_for(ctx: ServiceContext) -> list[dict]:
    """The criteria offered to the caller's enterprise (by its industry and enabled plugins)."""
    return offered_templates(ctx, kind="criteria")


def named_item(basis: Any, criteria: list[dict]) -> tuple[dict, dict] | None:
    """(criterion, item) the 判定依据 names, or None."""
    number = item_number(basis)
    for criterion in criteria:
        for item in criterion["items"]:
            if item["no"] == number:
                return criterion, item
    return None


def basis_problem(basis: Any, criteria: list[dict]) -> str | None:
    """Why a 重大 hazard's 判定依据 names no item of the criteria (None: it does, or none apply)."""
    if not criteria or named_item(basis, criteria) is not None:
        return None
    first = criteria[0]
    return (f"判定依据须写明《{first['title']}》中的一项，如“第{first['items'][-1]['no']}项”"
            f"（共{len(first['items'])}项）")


def check_majors(ctx: ServiceContext, records: list[dict[str, Any]], header: str) -> list[RowError]:
    """The rows whose 重大 hazard names no item of the criteria offered to the enterprise."""
    majors = [r for r in records if r.get("level") == "重大"]
    criteria = criteria_for(ctx) if majors else []
    return [RowError(r["_row"], header, problem) for r in majors
            if (problem := basis_problem(r.get("basis"), criteria))]
