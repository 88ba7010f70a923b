"""Text search and page numbers from the query string, the same on every list page.

`page_of(request.args)` gives the slice to ask the service for; the template's
`_paging.html` macros draw the search box and the 上一页 / 下一页 links.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Past this the page is simply empty: a hand-typed ?page=99999999999999999999 must not
# become an offset the database refuses (PostgreSQL's OFFSET is a bigint) or a 500.
MAX_PAGE = 100_000
# Search text longer than this is cut: nobody types it, and LIKE over it costs for nothing.
MAX_QUERY = 100


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def limit(self) -> int:
        return self.per_page

    def pages(self, total: int) -> int:
        """How many pages `total` rows fill (at least one, an empty list has page 1)."""
        return max((total + self.per_page - 1) // self.per_page, 1)

    def has_next(self, total: int) -> bool:
        return self.offset + self.per_page < total

    def prev_page(self, total: int) -> int | None:
        """The page the 上一页 link opens: from past the end, the last page that has rows."""
        if self.page <= 1:
            return None
        return min(self.page - 1, self.pages(total))


def page_of(args: Mapping, per_page: int = 50) -> Paging:
    """`?page=` as a Paging: at least 1, at most MAX_PAGE; anything not a number is page 1."""
    try:
        page = int(str(args.get("page") or 1).strip())
    except ValueError:
        page = 1
    return Paging(min(max(page, 1), MAX_PAGE), per_page)


def query_of(args: Mapping, name: str = "q") -> str | None:
    """The search text `?q=`, trimmed and cut to MAX_QUERY; None when blank."""
    return (str(args.get(name) or "")).strip()[:MAX_QUERY] or None


def id_of(args: Mapping, name: str) -> int | None:
    """An id filter from a select (`?tenant_id=`): None when absent, not a number, or beyond
    any id — a tampered value drops the filter rather than reaching the database's binds."""
    return whole_number(args.get(name))


def whole_number(text: object, *, lowest: int = 1) -> int | None:
    """A whole number typed in a form (an id from 1, or a row's position from 0): None when
    it is none or beyond any id."""
    try:
        value = int(str(text or "").strip())
    except ValueError:
        return None
    return value if lowest <= value < 2**31 else None
