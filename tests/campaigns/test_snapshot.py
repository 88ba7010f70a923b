"""Upgrading the built-in plugin to a 2025 template leaves a running campaign on the
2024.1.0 snapshot it was launched with; a new launch gets the new version."""
import copy

import plugins.hazchem_warning_month as warning_month
from core.campaigns import service
from core.hookspecs import hookimpl
from tests.campaigns.conftest import launch, task_of


def test_an_upgrade_leaves_the_running_campaign_on_its_snapshot(ctx_for, make_app, monkeypatch, published):
    [current] = warning_month.anjian_templates()
    nxt = copy.deepcopy(current)
    nxt["version"] = "2025.1.0"
    nxt["title"] = "2025年危险化学品生产安全事故警示月安全专项整治"
    nxt["phases"][1]["tasks"].append({"id": "drill", "title": "开展一次综合应急演练", "assignee": "enterprise",
                                      "due_days": 20, "fields": [{"id": "photos", "label": "演练照片", "type": "files"}]})
    monkeypatch.setattr(warning_month, "anjian_templates", hookimpl(lambda: [nxt]))
    upgraded = make_app()
    ctx = ctx_for("wsq_admin", of=upgraded)
    running = service.get_campaign(ctx, published)
    assert running.template_version == "2024.1.0" and running.title == current["title"]
    assert "drill" not in {it.id for it in service.items(ctx, running)}
    assert task_of(ctx_for, published, "warning_education").due_on.isoformat() == "2024-09-20"
    [offered] = [t for t in service.offered(ctx) if t["id"] == current["id"]]
    assert offered["version"] == "2025.1.0"
    fresh = service.get_campaign(ctx, launch(lambda *a, **k: ctx_for("wsq_admin", of=upgraded), starts_on="2025-09-01"))
    assert fresh.template_version == "2025.1.0" and "drill" in {it.id for it in service.items(ctx, fresh)}
