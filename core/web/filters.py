"""Jinja filters: times shown in China Standard Time."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask

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


def combine_args(args: dict, **changes) -> str:
    """A query string with some arguments replaced (pagination links keep the filter)."""
    from urllib.parse import urlencode
    return urlencode({**{k: v for k, v in args.items() if v}, **changes})
