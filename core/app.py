"""Application factory: defaults → instance config → ANJIAN_* → test override → the House
(database, files, jobs, plugins, built from the manifests) → every area's pages and API."""
from __future__ import annotations

import os

from flask import Flask, g, request, session
from flask_babel import Babel

from core import api, manifests
from core.audit.service import derive_key
from core.config import load_config
from core.db import Database
from core.files.service import init_files
from core.house import House
from core.jobs.runner import init_executor, sweeps_on_first_request
from core.plugins.web import finish_plugins, init_plugins, register_plugin_blueprints
from core.web import errors, inputs, pages
from tenants.scoping import ScopedSession

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
    cfg = app.config
    house = House.build(cfg, app.instance_path, manifests.manifests(cfg.get("MANIFESTS_EXTRA") or ()))
    house.db = Database(cfg["DATABASE_URL"], audit_key=derive_key(cfg["SECRET_KEY"]), session_class=ScopedSession,
                        pool_size=cfg["DB_POOL_SIZE"], max_overflow=cfg["DB_MAX_OVERFLOW"],
                        pool_timeout=cfg["DB_POOL_TIMEOUT"])
    house.db.provide(house)
    # The House is the app's one handle; the others name its parts for tests and tools.
    app.extensions["anjian"] = house
    app.extensions["anjian.db"] = house.db
    Babel(app, locale_selector=select_locale)

    init_files(app)
    init_executor(app)
    sweeps_on_first_request(app)
    init_plugins(app)

    errors.register(app)
    inputs.register(app)
    pages.register(app)
    for m in house.manifests:
        for bp in m.pages:
            app.register_blueprint(bp)
    register_plugin_blueprints(app)

    rest = api.init_api(app)
    for m in house.manifests:
        for blp in m.api:
            rest.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")
    finish_plugins(app)
    return app


def database(app: Flask) -> Database:
    return app.extensions["anjian.db"]
