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
