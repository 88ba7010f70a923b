"""Application factory: defaults → instance config → ANJIAN_* → test override →
extensions → blueprints."""
from __future__ import annotations

import os

from flask import Flask, g, request, session
from flask_babel import Babel

from core.config import load_config
from core.db import Database

LOCALES = ("zh_Hans_CN", "en")


def select_locale() -> str:
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
    return session.get("lang") or g.get("default_locale") or LOCALES[0]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask("core", instance_path=os.environ.get("ANJIAN_INSTANCE_PATH") or None,
                instance_relative_config=True)
    load_config(app, test_config)
    from core.audit.service import derive_key
    from tenants.scoping import ScopedSession
    cfg = app.config
    app.extensions["anjian.db"] = Database(cfg["DATABASE_URL"], audit_key=derive_key(cfg["SECRET_KEY"]),
                                           session_class=ScopedSession, pool_size=cfg["DB_POOL_SIZE"], max_overflow=cfg["DB_MAX_OVERFLOW"],
                                           pool_timeout=cfg["DB_POOL_TIMEOUT"])
    Babel(app, locale_selector=select_locale)

    from core.files.service import init_files
    from core.jobs.executor import init_executor
    from core.plugins.web import init_plugins
    init_files(app)
    init_executor(app)
    init_plugins(app)

    from core.web import errors, inputs, pages
    errors.register(app)
    inputs.register(app)
    pages.register(app)

    from core.api import init_api
    init_api(app)
    from core.plugins.web import finish_plugins
    finish_plugins(app)
    return app


def database(app: Flask) -> Database:
    return app.extensions["anjian.db"]
