"""Exporting a 隐患排查治理台账 of N rows (default 100,000) against the raw floor measured in
the same run: xlsxwriter in constant-memory mode writing the same rows (already in memory,
read by one SELECT) — what any xlsx export costs. Anjian: `export_hazards` as an enterprise
officer's download runs it, rows streamed from the database. Each in a fresh interpreter,
so its peak RSS is its own. Target (issue: ledgers): ≤ 1.3× the floor, memory flat.

    [BENCH_ROWS=100000] python bench/bench_ledger_export.py [--pg URL]
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))


def _officer(app):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from core.auth.models import User
    from core.context import ServiceContext
    s = app.extensions["anjian.db"].session()
    ServiceContext.system(s)
    return ServiceContext.for_user(s, s.scalar(select(User).where(User.username == "ent1_officer")))


def _app(url: str, files: str):  # noqa: ANN202
    from core.app import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "FILES_DIR": files, "REDIS_URL": None,
                       "MAX_UPLOAD_MB": 200, "TESTING": True})


def phase_floor(url: str) -> dict:
    import xlsxwriter
    from sqlalchemy import create_engine, text

    from bench_ledger_import import peak_mb
    from core.ledgers.service import HAZARDS
    columns = [c.id for c in HAZARDS.columns]
    with create_engine(url).connect() as conn:
        rows = [list(r) for r in conn.execute(text(f"SELECT {', '.join(columns)} FROM hazards ORDER BY code"))]
    t0 = time.perf_counter()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True})
    ws = wb.add_worksheet("台账")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [c.header for c in HAZARDS.columns])
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str) and len(v) == 10 and v[4] == "-":   # SQLite hands dates back as text
                v = date.fromisoformat(v)
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v)
    wb.close()
    return {"seconds": time.perf_counter() - t0, "rows": len(rows), "bytes": len(buf.getvalue()), "peak_mb": peak_mb()}


def phase_anjian(url: str) -> dict:
    from bench_ledger_import import peak_mb
    from core.ledgers import service
    with tempfile.TemporaryDirectory() as files:
        app = _app(url, files)
        with app.app_context():
            ctx = _officer(app)
            t0 = time.perf_counter()
            content, _, _ = service.export_hazards(ctx)
            seconds = time.perf_counter() - t0
            ctx.session.close()
    return {"seconds": seconds, "bytes": len(content), "peak_mb": peak_mb()}


def child(phase: str, url: str, path: str = "") -> dict:
    env = {**os.environ, "BENCH_PHASE": phase, "BENCH_URL": url, "BENCH_FILE": path}
    out = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from bench_ledger_import import generate
    from bench_scoping import on_both

    from tests.conftest import load_demo_into
    path = Path(tempfile.mkdtemp(prefix="anjian-bench-export-")) / "hazards.xlsx"
    generate(path, ROWS)

    def run(label: str, url: str) -> None:
        load_demo_into(url)
        child("import", url, str(path))          # in a child too: this process stays small
        floor, anjian = child("floor", url), child("anjian", url)
        print(f"\n{label}: {floor['rows']:,} rows")
        print(f"  floor   xlsxwriter constant memory: {floor['seconds']:6.1f} s  peak {floor['peak_mb']:5.0f} MB")
        print(f"  Anjian  export_hazards:             {anjian['seconds']:6.1f} s  peak {anjian['peak_mb']:5.0f} MB  "
              f"= {anjian['seconds'] / floor['seconds']:.2f}× the floor")

    on_both(run)


if __name__ == "__main__":
    phase = os.environ.get("BENCH_PHASE")
    if phase:
        if phase == "import":
            from bench_ledger_import import phase_anjian as import_file
            print(json.dumps(import_file(os.environ["BENCH_URL"], os.environ["BENCH_FILE"])))
        else:
            print(json.dumps({"floor": phase_floor, "anjian": phase_anjian}[phase](os.environ["BENCH_URL"])))
    else:
        main()
