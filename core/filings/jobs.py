"""Periodic checks of filings, registered like every area's jobs. Imported at app start so
web, CLI and worker processes all know the sweep."""
from __future__ import annotations

from core.jobs.registry import register_sweep

register_sweep("filings.deadlines", "core.filings.service:sweep_deadlines")
register_sweep("filings.aftercare", "core.filings.aftercare:sweep_aftercare")
