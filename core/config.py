"""Configuration: defaults, then the instance folder's config.py, then ANJIAN_* variables,
then a test override. Every variable is documented in the README."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# name → (default, parser). Defaults naming files are relative to the instance folder.
ENV_VARS = {
    "DATABASE_URL": (None, str),          # default: sqlite:///<instance>/anjian.db
    # PostgreSQL connections per process: at least the requests it serves at once (threads).
    "DB_POOL_SIZE": (10, int),
    "DB_MAX_OVERFLOW": (10, int),
    "DB_POOL_TIMEOUT": (30, int),         # seconds a request waits for a free connection
    "REDIS_URL": (None, str),             # unset: jobs run inline in the web process
    "SECRET_KEY": (None, str),            # unset: generated once into <instance>/secret_key
    "FILES_DIR": (None, str),             # default: <instance>/files
    "MAX_UPLOAD_MB": (20, int),
    "LEDGER_INLINE_KB": (4096, int),      # a larger ledger upload is imported as a job with progress
    "CAMPAIGN_INLINE_TASKS": (3000, int),  # a campaign with more tasks is published as a job with progress
    "LOGIN_MAX_FAILURES": (5, int),
    "LOGIN_LOCK_MINUTES": (15, int),
    "JOB_STALE_MINUTES": (30, int),
    # Without Redis the web process runs the periodic sweeps itself, this often (0: never).
    "SWEEP_MINUTES": (10, int),
    "RQ_QUEUE": ("anjian", str),
    "DEFAULT_LOCALE": ("zh_Hans_CN", str),
    # Behind HTTPS in production: cookies only over TLS. PREFERRED_URL_SCHEME=https (Flask's
    # scheme for external URLs built outside a request) says the site is behind TLS as well.
    "SESSION_COOKIE_SECURE": (False, lambda raw: raw.lower() in ("1", "true", "yes")),
    "PREFERRED_URL_SCHEME": ("http", lambda raw: raw.strip().lower()),
    # Extra plugin modules to load without installing them, "name = package.module" separated
    # by ";" (plugin development and tests); installed plugins need nothing here.
    "PLUGINS_EXTRA": ((), lambda raw: tuple(p for p in raw.split(";") if p.strip())),
    # "package.module:MANIFEST" of areas beyond the core's (tests' sample jobs, site-local areas)
    "MANIFESTS_EXTRA": ((), lambda raw: tuple(p.strip() for p in raw.split(";") if p.strip())),
    # CJK font (.ttc/.otf/.ttf) for the 备案登记表 PDF; unset: Debian's Noto Serif/Sans CJK.
    "PDF_FONT": (None, str),
    # Where `anjian audit checkpoint` appends and verify reads; default <instance>/audit-checkpoints.jsonl.
    "AUDIT_CHECKPOINT_FILE": (None, str),
}


def load_config(app, test_config: dict | None) -> None:  # noqa: ANN001
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    cfg = app.config
    for name, (default, _) in ENV_VARS.items():
        cfg.setdefault(name, default)
    cfg.from_pyfile("config.py", silent=True)
    for name, (_, parse) in ENV_VARS.items():
        raw = os.environ.get(f"ANJIAN_{name}")
        if raw not in (None, ""):
            cfg[name] = parse(raw)
    if test_config:
        cfg.update(test_config)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'anjian.db'}"
    if not cfg["FILES_DIR"]:
        cfg["FILES_DIR"] = str(instance / "files")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance)
    cfg["MAX_CONTENT_LENGTH"] = cfg["MAX_UPLOAD_MB"] * 1024 * 1024 + 64 * 1024  # + form overhead
    cfg.setdefault("SESSION_COOKIE_HTTPONLY", True)  # Flask's default already
    # Flask holds SESSION_COOKIE_SAMESITE as None, so setdefault would keep None. Lax: a form
    # posted from another site arrives without the session; a link followed to us keeps it.
    if not cfg.get("SESSION_COOKIE_SAMESITE"):
        cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = bool(cfg["SESSION_COOKIE_SECURE"]) or cfg["PREFERRED_URL_SCHEME"] == "https"
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["DEFAULT_LOCALE"]
    cfg["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"


def _instance_secret(instance: Path) -> str:
    """Generated on first start and kept in the instance folder (never in the repository)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
