"""An app with the sample checklist plugin loaded (and factories for further apps on the
same database, to prove that runs keep their template snapshot)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.hookspecs import PluginInfo, hookimpl
from core.plugins import service as plugins
from tenants.models import Tenant

CHECKLISTS = "checklists = tests.plugins.sample_plugins:checklists"
# The same plugin upgraded: a newer release of "checklists" offering 1.0.0 and 1.1.0.
CHECKLISTS_V2 = "checklists = tests.plugins.sample_plugins:checklists_v2"
SCORED = "scored = tests.checklists.conftest:ScoredPlugin"
ENT1_USCC = "91150626MA0N1H2K6K"
TEMPLATE = "checklists.site_check"
SCORED_TEMPLATE = "scored.scored_check"
# Every item of the sample template answered (2.2, a text item, is optional).
FULL = {"1.1": {"value": "yes"}, "1.2": {"value": "no", "note": "风险辨识未覆盖新装置"},
        "2.1": {"value": "yes"}, "2.2": {"value": "应急物资每月检查一次"}}


class ScoredPlugin:
    """A checklist with a scored item, for every industry."""

    @staticmethod
    @hookimpl
    def anjian_plugin_info() -> PluginInfo:
        return PluginInfo(title="示例评分检查表")

    @staticmethod
    @hookimpl
    def anjian_templates() -> list[dict]:
        return [{"kind": "checklist", "id": SCORED_TEMPLATE, "version": "2.0.0", "title": "应急体系现场检查评分表",
                 "sections": [{"title": "应急预案", "items": [
                     {"id": "1", "text": "预案编制是否符合要求", "answer": "score", "points": 10,
                      "basis": "GB/T 29639-2020 生产经营单位生产安全事故应急预案编制导则"},
                     {"id": "2", "text": "是否每半年至少组织一次现场处置方案演练", "points": 5},
                     {"id": "3", "text": "其他需要说明的问题", "answer": "text"}]}]}]


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(PLUGINS_EXTRA=(CHECKLISTS, SCORED))


@pytest.fixture(autouse=True)
def without_builtin_checklists(app, ctx_for):  # noqa: ANN001
    """The demo enables the built-in plugins city-wide; their checklist (tested in
    tests/plugins/test_builtins.py) is switched off so these tests see the samples alone."""
    ctx = ctx_for("city_admin")
    plugins.set_enabled(ctx, "emergency_system_check", False)
    ctx.session.commit()


@pytest.fixture
def other_app(app, make_app):  # noqa: ANN001, ANN201
    """other_app(*plugin entry points) → a second app on the same database."""
    return lambda *plugins_extra: make_app(PLUGINS_EXTRA=tuple(plugins_extra))


def enable(app, ctx_for, plugin: str = "checklists", username: str = "wsq_admin") -> None:  # noqa: ANN001
    ctx = ctx_for(username)
    plugins.set_enabled(ctx, plugin, True)
    ctx.session.commit()


@pytest.fixture
def enabled(app, ctx_for):  # noqa: ANN001, ANN201
    """The sample checklist plugin enabled for 乌审旗 (ent1 and ent2 are offered it)."""
    enable(app, ctx_for)
    return app.extensions["anjian.plugins"]


@pytest.fixture
def enabled_all(app, ctx_for):  # noqa: ANN001, ANN201
    """Both the sample checklist plugin and the scored one enabled for 乌审旗."""
    enable(app, ctx_for)
    enable(app, ctx_for, "scored")
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
