"""Periodic check of the working-day calendar, registered like every area's sweeps."""
from __future__ import annotations

from core.jobs.registry import register_sweep

register_sweep("calendar.arrangement", "core.calendar.service:sweep_arrangement")
