"""An app with the sample checklist plugin loaded (and factories for further apps on the
same database, to prove that runs keep their template snapshot)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.app import create_app
from core.plugins import service as plugins
from tenants.models import Tenant

CHECKLISTS = "checklists = tests.plugins.sample_plugins:checklists"
CHECKLISTS_V2 = "checklists_v2 = tests.plugins.sample_plugins:checklists_v2"
ENT1_USCC = "91150626MA0N1H2K5G"
TEMPLATE = "sample.site_check"
# Every required item of the sample template (2.2 is a text item and optional).
FULL = {"1.1": {"value": "yes"}, "1.2": {"value": "no", "note": "风险辨识未覆盖新装置"},
        "2.1": {"value": 4}, "2.2": {"value": "应急物资每月检查一次"}}


def build_app(url: str, tmp_path, plugins_extra: tuple[str, ...]):  # noqa: ANN001, ANN201
    application = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test",
                              "FILES_DIR": str(tmp_path / "files"), "REDIS_URL": None,
                              "PLUGINS_EXTRA": plugins_extra})
    _wire(application)
    return application


def _wire(application) -> None:  # noqa: ANN001
    """Stand-in for the app's own wiring of the checklists area (blueprints and table)."""
    from core.checklists.api import blp
    from core.checklists.models import ChecklistRun
    from core.checklists.views import bp
    if "checklists" not in application.blueprints:
        application.register_blueprint(bp)
        application.extensions["anjian.api"].register_blueprint(blp, url_prefix="/api/v1/checklists")
    engine = application.extensions["anjian.db"].engine
    ChecklistRun.__table__.create(engine, checkfirst=True)


@pytest.fixture
def app(backend, templates, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    url, cleanup = templates(backend)
    monkeypatch.setenv("ANJIAN_INSTANCE_PATH", str(tmp_path / "instance"))
    for var in ("ANJIAN_REDIS_URL", "ANJIAN_DATABASE_URL", "ANJIAN_FILES_DIR", "ANJIAN_PLUGINS_EXTRA"):
        monkeypatch.delenv(var, raising=False)
    application = build_app(url, tmp_path, (CHECKLISTS,))
    yield application
    application.extensions["anjian.db"].dispose()
    cleanup()


@pytest.fixture
def other_app(app, tmp_path):  # noqa: ANN001, ANN201
    """other_app(*plugin entry points) → a second app on the same database."""
    made = []

    def make(*plugins_extra: str):  # noqa: ANN202
        a = build_app(app.config["DATABASE_URL"], tmp_path, tuple(plugins_extra))
        made.append(a)
        return a
    yield make
    for a in made:
        a.extensions["anjian.db"].dispose()


def enable(app, ctx_for, plugin: str = "checklists", username: str = "wsq_admin") -> None:  # noqa: ANN001
    ctx = ctx_for(username)
    plugins.set_enabled(ctx, app.extensions["anjian.plugins"], plugin, True)
    ctx.session.commit()


@pytest.fixture
def enabled(app, ctx_for):  # noqa: ANN001, ANN201
    """The sample checklist plugin enabled for 乌审旗 (ent1 and ent2 are offered it)."""
    enable(app, ctx_for)
    return app.extensions["anjian.plugins"]


def tenant_id(db, uscc: str = ENT1_USCC) -> int:  # noqa: ANN001
    return db.scalar(select(Tenant.id).where(Tenant.uscc == uscc))


def login(application, username: str):  # noqa: ANN001, ANN201
    """A browser test client of `application` logged in as `username` (form token in `.csrf`)."""
    from core.auth.models import User
    from core.context import ServiceContext
    with application.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        user = s.scalar(select(User).where(User.username == username))
        uid, epoch = user.id, user.session_epoch
    c = application.test_client()
    with c.session_transaction() as sess:
        sess["uid"], sess["epoch"], sess["csrf"] = uid, epoch, "test-csrf"
    c.csrf = "test-csrf"
    return c


def api_for(application, ctx_for, username: str):  # noqa: ANN001, ANN201
    """A JSON client of `application` carrying a Bearer token of `username`."""
    from core.auth import service as auth
    from tests.conftest import Api
    ctx = ctx_for(username)
    _, secret = auth.create_token(ctx, ctx.actor.user_id, {"name": "test"})
    ctx.session.commit()
    return Api(application.test_client(), secret)
