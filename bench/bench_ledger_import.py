"""Importing a 隐患排查治理台账 of N rows (default 100,000 × the standard columns), against
the raw floor measured on the same file in the same run:

- floor: python-calamine parses the sheet, and the same rows go into `hazards` itself (its
  indexes, unique key and foreign keys) by the fastest bulk path the database has
  (PostgreSQL COPY; SQLite executemany), then are rolled back;
- Anjian: `core.ledgers.service.import_ledger` as an enterprise officer's upload runs it —
  limits and zip checks, parse, the validator compiled from the declaration, the upsert plan,
  the scoped bulk insert (COPY on PostgreSQL), the audit event — until it commits;
- pandas: `read_excel` + `to_sql`, what a user would do by hand (installed into the venv from
  the package registry when missing; BENCH_PANDAS=0 leaves it out).

Each phase runs in a fresh interpreter, so its peak RSS is its own. Prints seconds, rows/s,
peak RSS and the ratios. Targets (issue: ledgers): Anjian ≤ 2× the floor on PostgreSQL,
≥ 7× faster than pandas, peak RSS < 700 MB at 100,000 rows.

    [BENCH_ROWS=100000] [BENCH_PANDAS=1] python bench/bench_ledger_import.py [--pg URL]
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
USCC = "91150626MA0N1H2K6K"   # 乌审旗宏达甲醇有限责任公司 of the demo


def generate(path: Path, n: int) -> None:
    """N realistic rows in the template's columns, written as Excel writes dates."""
    import xlsxwriter

    from core.ledgers.service import HAZARDS
    rng = random.Random(7)
    places = ["甲醇储罐区", "合成车间", "精馏装置", "装卸栈台", "配电室", "危化品仓库", "锅炉房", "污水处理站"]
    problems = ["防静电接地装置失效", "可燃气体报警器未定期校验", "安全阀超期未检", "消防通道堆放杂物",
                "动火作业票填写不全", "应急物资数量与台账不符", "压力表表盘破损", "安全警示标志缺失"]
    people = ["王强", "李明", "赵刚", "刘洋", "陈静", "杨帆", "黄磊", "周敏"]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("台账")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [c.header for c in HAZARDS.columns])
    start = date(2024, 1, 2)
    for r in range(1, n + 1):
        found = start + timedelta(days=rng.randrange(300))
        owner, checker = rng.sample(people, 2)
        done = rng.random() < 0.6
        major = rng.random() < 0.03
        values = {
            "code": f"YH-{r:06d}", "source": rng.choice(["日常排查", "专项检查", "上级督查", "举报"]),
            "found_on": found, "found_by": rng.choice(people), "department": rng.choice(["生产部", "设备部", "安全部"]),
            "location": rng.choice(places), "description": f"{rng.choice(places)}{rng.choice(problems)}（第{r}处）",
            "category": rng.choice(["基础管理类", "现场管理类"]), "level": "重大" if major else "一般",
            "basis": "判定标准第5项" if major else None, "measures": "立即整改并组织复查", "owner": owner,
            "due_on": found + timedelta(days=rng.randrange(7, 60)), "funds": round(rng.random() * 5, 2),
            "interim": "设置警戒区，专人监护", "completed_on": found + timedelta(days=5) if done else None,
            "verified_by": checker if done else None, "verified_on": found + timedelta(days=6) if done else None,
            "verdict": "整改到位" if done else None}
        for c, col in enumerate(HAZARDS.columns):
            v = values.get(col.id)   # columns it leaves empty (风险点编号) stay empty
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()


def peak_mb() -> float:
    """This process's own peak RSS: VmHWM starts anew with each interpreter, while Linux
    carries ru_maxrss over from the parent across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- phases (child processes)

def phase_floor(url: str, path: str) -> dict:
    from python_calamine import CalamineWorkbook
    from sqlalchemy import create_engine, text

    from core.ledgers.service import HAZARDS
    engine = create_engine(url)
    columns = [c.id for c in HAZARDS.columns]
    t0 = time.perf_counter()
    grid = CalamineWorkbook.from_path(path).get_sheet_by_name("台账").to_python()
    parsed = time.perf_counter() - t0
    # Into `hazards` itself — its indexes, unique key and foreign keys — then rolled back, so
    # the floor writes exactly what the import writes.
    with engine.connect() as conn:
        tenant = conn.execute(text("SELECT id FROM tenants WHERE uscc = :u"), {"u": USCC}).scalar()
        extra = {"tenant_id": tenant, "status": "rectifying", "digest": "0" * 64, "reopened": 0, "version": 1,
                 "created_at": datetime(2024, 1, 1), "updated_at": datetime(2024, 1, 1)}
        names = columns + list(extra)
        rows = [[None if v == "" else v for v in row[:len(columns)]] + list(extra.values()) for row in grid[1:]]
        if engine.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY hazards ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            conn.exec_driver_sql(f"INSERT INTO hazards ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                                 [tuple(r) for r in rows])
        total = time.perf_counter() - t0
        conn.rollback()
    return {"seconds": total, "parse": parsed, "rows": len(rows), "peak_mb": peak_mb()}


def phase_anjian(url: str, path: str) -> dict:
    from sqlalchemy import select

    from core.app import create_app
    from core.auth.models import User
    from core.context import ServiceContext
    from core.ledgers import service
    with tempfile.TemporaryDirectory() as files:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "FILES_DIR": files, "REDIS_URL": None,
                          "MAX_UPLOAD_MB": 200, "TESTING": True})
        data = Path(path).read_bytes()
        with app.app_context(), app.extensions["anjian.db"].session() as s:
            ServiceContext.system(s)
            user = s.scalar(select(User).where(User.username == "ent1_officer"))
            ctx = ServiceContext.for_user(s, user)
            t0 = time.perf_counter()
            result = service.import_ledger(ctx, "hazards", data, "bench.xlsx")
            s.commit()
            seconds = time.perf_counter() - t0
        assert result.status == "stored", (result.record.message, result.errors[:3])
        return {"seconds": seconds, "rows": result.record.created, "peak_mb": peak_mb()}


def phase_pandas(url: str, path: str) -> dict:
    import pandas as pd
    from sqlalchemy import create_engine
    t0 = time.perf_counter()
    frame = pd.read_excel(path, sheet_name="台账")
    frame.to_sql("pandas_hazards", create_engine(url), if_exists="replace", index=False, chunksize=5000)
    return {"seconds": time.perf_counter() - t0, "rows": len(frame), "peak_mb": peak_mb()}


def child(phase: str, url: str, path: str) -> dict:
    env = {**os.environ, "BENCH_PHASE": phase, "BENCH_URL": url, "BENCH_FILE": path}
    out = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def have_pandas() -> bool:
    if os.environ.get("BENCH_PANDAS", "1") == "0":
        return False
    try:
        import openpyxl  # noqa: F401
        import pandas  # noqa: F401
        return True
    except ImportError:
        print("installing pandas and openpyxl from the package registry for the comparison …")
        return subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pandas", "openpyxl"]).returncode == 0


def main() -> None:
    from bench_scoping import on_both

    from core.ledgers.service import HAZARDS
    from tests.conftest import load_demo_into
    work = Path(tempfile.mkdtemp(prefix="anjian-bench-ledger-"))
    path = work / "hazards.xlsx"
    t0 = time.perf_counter()
    generate(path, ROWS)
    print(f"{ROWS:,} rows × {len(HAZARDS.columns)} columns, {path.stat().st_size / 1e6:.1f} MB, "
          f"written in {time.perf_counter() - t0:.1f} s")
    pandas_ok = have_pandas()

    def run(label: str, url: str) -> None:
        load_demo_into(url)
        floor = child("floor", url, str(path))
        anjian = child("anjian", url, str(path))
        print(f"\n{label}")
        print(f"  floor   calamine + {'COPY' if 'postgresql' in url else 'executemany'}: {floor['seconds']:6.1f} s "
              f"(parse {floor['parse']:.1f} s)  {floor['rows'] / floor['seconds']:8,.0f} rows/s  peak {floor['peak_mb']:5.0f} MB")
        print(f"  Anjian  import_ledger:            {anjian['seconds']:6.1f} s                 "
              f"{anjian['rows'] / anjian['seconds']:8,.0f} rows/s  peak {anjian['peak_mb']:5.0f} MB  "
              f"= {anjian['seconds'] / floor['seconds']:.2f}× the floor")
        if pandas_ok:
            pd_ = child("pandas", url, str(path))
            print(f"  pandas  read_excel + to_sql:      {pd_['seconds']:6.1f} s                 "
                  f"{pd_['rows'] / pd_['seconds']:8,.0f} rows/s  peak {pd_['peak_mb']:5.0f} MB  "
                  f"Anjian is {pd_['seconds'] / anjian['seconds']:.1f}× faster")

    on_both(run)


if __name__ == "__main__":
    phase = os.environ.get("BENCH_PHASE")
    if phase:
        print(json.dumps({"floor": phase_floor, "anjian": phase_anjian, "pandas": phase_pandas}[phase](
            os.environ["BENCH_URL"], os.environ["BENCH_FILE"])))
    else:
        main()
