from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from core.jobs.executor import queue_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """Database and job-queue status; 503 when the database cannot be reached."""
    status, code = {"database": "ok"}, 200
    try:
        with current_app.extensions["anjian.db"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure means "unreachable" to a probe
        status["database"] = f"error: {type(e).__name__}"
        code = 503
    status["jobs"] = queue_status(current_app)
    status["status"] = "ok" if code == 200 else "error"
    return jsonify(status), code
