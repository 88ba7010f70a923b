"""Labels kept in code tables (industries, statuses, materials …) are Chinese; pages show
them in the reader's language through the `label` filter. Wrapping each label in `_` from
this module puts it in the translation catalogue without making the table depend on Flask:

    from core.i18n import mark as _
    INDUSTRIES = {"hazchem_production": _("危险化学品生产"), ...}
"""
from __future__ import annotations


def mark(text: str) -> str:
    """Returns `text` unchanged; its call marks it for the translation catalogue."""
    return text
