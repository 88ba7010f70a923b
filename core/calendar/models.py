from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class CalendarDay(Base):
    """An exception to the Monday–Friday rule: a public holiday on a weekday, or a 调休
    make-up working day on a weekend. Days not listed follow the weekday rule."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(50), default="")


class CalendarYear(Base):
    """A year whose holiday notice (国务院办公厅关于节假日安排的通知) is loaded. Working-day
    arithmetic that reaches a year not listed here is flagged as an estimate."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(64), default="system")
