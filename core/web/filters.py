"""Jinja filters: times shown in China Standard Time, region codes with their GB/T 2260 names."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask

from core.audit import labels
from tenants import codes

CST = timedelta(hours=8)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored timestamps are naive UTC; users read Beijing time."""
    if value is None:
        return ""
    return (value + CST).strftime(fmt)


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value + CST).date()
    return value.strftime("%Y-%m-%d")


def register(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["localdate"] = local_date
    app.jinja_env.filters["combine_args"] = combine_args
    app.jinja_env.filters["region_name"] = region_name
    app.jinja_env.filters["region_full_name"] = region_full_name
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["paren"] = paren
    app.jinja_env.globals["audit_action_label"] = audit_action_label
    app.jinja_env.globals["audit_object_label"] = audit_object_label


def combine_args(args: dict, **changes) -> str:
    """A query string with some arguments replaced (pagination links keep the filter)."""
    from urllib.parse import urlencode
    return urlencode({**{k: v for k, v in args.items() if v}, **changes})


def region_name(code: str | None) -> str:
    """150626 → 乌审旗; blank for a code the table does not know."""
    return codes.region_name(code) or ""


def region_full_name(code: str | None) -> str:
    """150626 → 内蒙古自治区鄂尔多斯市乌审旗; blank for a code the table does not know."""
    return codes.region_full_name(code) or ""


def audit_action_label(action: str) -> str:
    """An audit action's name in the page's language."""
    from flask_babel import gettext
    name = labels.action_label(action)
    return gettext(name) if name != action else action


def audit_object_label(object_type: str) -> str:
    from flask_babel import gettext
    name = labels.object_label(object_type)
    return gettext(name) if name != object_type else object_type


def label(text: str | None) -> str:
    """A label from a code table (industry, status, material …) in the page's language;
    the tables mark their labels with core.i18n.mark so the catalogue holds them."""
    from flask_babel import gettext
    return gettext(text) if text else ""


def paren(text) -> str:  # noqa: ANN001
    """Text in brackets as the page's language writes them: （…） in Chinese, (…) in English."""
    from flask_babel import gettext
    return gettext("（%(text)s）", text=text)  # plain text: the template escapes the result
