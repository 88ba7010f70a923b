"""Serving for the HTTP benchmarks: gunicorn started on loopback with the benchmark's
environment, and a plain urllib call."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def http(method: str, url: str, token: str | None = None, body: dict | None = None) -> int:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def gunicorn(app: str, port: int, env: dict[str, str], *, workers: int, threads: int | None = None,
             ready: str = "/healthz") -> subprocess.Popen:
    """gunicorn serving `app` ("module:callable") on 127.0.0.1:`port`, once `ready` answers 200:
    `threads` None means sync workers, else gthread workers with that many threads."""
    kind = ["-k", "sync"] if threads is None else ["-k", "gthread", "--threads", str(threads)]
    environ = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")])}
    environ.pop("ANJIAN_REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), *kind, "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", app], env=environ, cwd=ROOT)
    for _ in range(150):
        try:
            if http("GET", f"http://127.0.0.1:{port}{ready}") == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start {app}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)
