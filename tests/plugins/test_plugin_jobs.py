"""A plugin's background jobs (anjian_job_kinds) and periodic checks (anjian_sweeps): part of
the app that loaded it, startable only where it is enabled, swept once per jurisdiction that
enabled it with that jurisdiction's scope."""
from __future__ import annotations

import pytest

from core.errors import PermissionDenied
from core.jobs import service as jobs
from core.jobs.cli import sweep
from core.plugin_api import enqueue
from core.plugins import service as plugins

SAMPLES = "tests.plugins.sample_plugins"


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(PLUGINS_EXTRA=[f"jobbing = {SAMPLES}:jobbing"])


def enable(ctx_for, region_admin: str) -> None:  # noqa: ANN001
    ctx = ctx_for(region_admin)
    plugins.set_enabled(ctx, "jobbing", True)
    ctx.session.commit()


def test_a_plugin_job_runs_where_the_plugin_is_enabled(app, ctx_for):
    enable(ctx_for, "wsq_admin")
    officer = ctx_for("ent1_officer")                      # 宏达, in 乌审旗
    job = enqueue(officer, "jobbing.export")
    officer.session.commit()
    done = jobs.get_job(ctx_for("ent1_officer"), job.id)
    assert done.status == "done" and done.result["summary"] == "已为“乌审旗宏达甲醇有限责任公司”导出"
    outsider = ctx_for("yjhl_admin")                       # 伊金霍洛旗 has not enabled it
    with pytest.raises(PermissionDenied, match="未对本单位启用"):
        enqueue(outsider, "jobbing.export")
    assert not jobs.can_enqueue(outsider, "jobbing.export") and jobs.can_enqueue(ctx_for("ent1_officer"), "jobbing.export")


def test_the_kinds_belong_to_the_app_that_loaded_the_plugin(app, make_app):
    assert app.extensions["anjian"].jobs.job_kind("jobbing.export").plugin == "jobbing"
    assert make_app().extensions["anjian"].jobs.job_kind("jobbing.export") is None


def test_a_plugin_sweep_runs_once_per_enabling_jurisdiction_in_its_scope(app, ctx_for):
    result = app.test_cli_runner().invoke(sweep)
    assert "jobbing.look_around：无启用该插件的单位" in result.output
    enable(ctx_for, "wsq_admin")
    enable(ctx_for, "yjhl_admin")
    result = app.test_cli_runner().invoke(sweep)
    assert result.exit_code == 0, result.output
    # Each run sees its own county (and, shared down, nothing of the other).
    assert "jobbing.look_around：乌审旗应急管理局；伊金霍洛旗应急管理局" in result.output


def test_a_city_wide_enablement_is_swept_once(app, ctx_for):
    enable(ctx_for, "city_admin")
    enable(ctx_for, "wsq_admin")                           # inside the city's: covered by it
    result = app.test_cli_runner().invoke(sweep)
    line = next(x for x in result.output.splitlines() if "jobbing.look_around" in x)
    assert line.count("鄂尔多斯市应急管理局") == 1 and "；" not in line


@pytest.mark.parametrize("target, reason", [
    ("job_clash", "任务类型“audit.verify”已存在"),
    ("not_a_job", "anjian_job_kinds 应返回 JobKind 列表"),
])
def test_a_bad_job_kind_fails_its_plugin(make_app, target, reason):
    app = make_app(PLUGINS_EXTRA=[f"{target} = {SAMPLES}:{target}"])
    record = app.extensions["anjian.plugins"].get(target)
    assert record.state == "failed" and reason in record.error
    assert app.extensions["anjian"].jobs.job_kind("audit.verify").plugin is None   # still the core's
