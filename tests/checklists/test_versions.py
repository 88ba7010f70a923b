"""A run keeps the template version it was started with: upgrading the plugin (a new
template version) or removing it never changes an existing run."""
from __future__ import annotations

from sqlalchemy import func, select

from core.checklists import service
from core.plugins.models import TemplateSnapshot
from tests.checklists.conftest import (
    CHECKLISTS_V2,
    FULL,
    TEMPLATE,
    api_for,
    enable,
    login,
)

BASE = "/api/v1/checklists"


def item_ids(body: dict) -> list[str]:
    return [i["id"] for s in body["sections"] for i in s["items"]]


def test_runs_keep_their_template_version(app, other_app, ctx_for, db) -> None:  # noqa: ANN001
    # With version 1.0.0 installed: start a run and answer it.
    enable(app, ctx_for, "checklists")
    old = api_for(app, ctx_for, "ent1_officer")
    r = old.post(BASE, json={"template_id": TEMPLATE})
    assert r.status_code == 201 and r.json["template_version"] == "1.0.0"
    first = r.json
    r = old.put(f"{BASE}/{first['id']}/answers", json={"answers": FULL, "version": first["version"]})
    assert r.status_code == 200
    assert item_ids(first["body"]) == ["1.1", "1.2", "2.1", "2.2"]

    # The upgrade: another app on the same database, offering 1.0.0 and 1.1.0 (adds item 2.3).
    upgraded = other_app(CHECKLISTS_V2)
    assert upgraded.config["DATABASE_URL"] == app.config["DATABASE_URL"]
    enable(upgraded, ctx_for, "checklists")
    new = api_for(upgraded, ctx_for, "ent1_officer")
    assert [(t["id"], t["version"]) for t in new.get(f"{BASE}/templates").json["items"]] == [(TEMPLATE, "1.1.0")]

    kept = new.get(f"{BASE}/{first['id']}").json
    assert kept["template_version"] == "1.0.0" and kept["body"] == first["body"]
    assert "2.3" not in item_ids(kept["body"]) and kept["snapshot_sha256"] == first["snapshot_sha256"]
    assert kept["answers"]["1.2"] == FULL["1.2"]
    page = login(upgraded, "ent1_officer").get(f"/checklists/{first['id']}").text
    assert 'data-testid="template-version">1.0.0<' in page and "是否配备应急救援器材并完好有效" not in page
    assert first["snapshot_sha256"][:8] in page

    r = new.post(BASE, json={"template_id": TEMPLATE})
    assert r.status_code == 201
    second = r.json
    assert second["template_version"] == "1.1.0" and second["plugin"] == "checklists"
    assert item_ids(second["body"]) == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    assert second["snapshot_sha256"] != first["snapshot_sha256"]
    page = login(upgraded, "ent1_officer").get(f"/checklists/{second['id']}").text
    assert 'data-testid="template-version">1.1.0<' in page and "是否配备应急救援器材并完好有效" in page
    # 2.3 is required in the new run only.
    r = new.put(f"{BASE}/{second['id']}/answers", json={"answers": FULL, "version": second["version"]})
    r = new.post(f"{BASE}/{second['id']}/transitions", json={"action": "submit", "version": r.json["version"]})
    assert r.status_code == 409 and r.json["message"].endswith("：2.3")

    # The plugin removed altogether: both runs still render, answer and submit from their snapshots.
    bare = other_app()
    gone = api_for(bare, ctx_for, "ent1_officer")
    assert gone.get(f"{BASE}/templates").json["items"] == []
    assert gone.post(BASE, json={"template_id": TEMPLATE}).status_code == 404
    assert gone.get(f"{BASE}/{first['id']}").json["body"] == first["body"]
    assert gone.get(f"{BASE}/{second['id']}").json["body"] == second["body"]
    browser = login(bare, "ent1_officer")
    for run, version, has_23 in ((first, "1.0.0", False), (second, "1.1.0", True)):
        page = browser.get(f"/checklists/{run['id']}").text
        assert f'data-testid="template-version">{version}<' in page
        assert "应急预案是否按规定备案并定期演练" in page
        assert ("是否配备应急救援器材并完好有效" in page) is has_23
    run = gone.get(f"{BASE}/{second['id']}").json
    r = gone.put(f"{BASE}/{second['id']}/answers", json={"answers": {"2.3": {"value": "yes"}}, "version": run["version"]})
    assert r.status_code == 200
    r = gone.post(f"{BASE}/{second['id']}/transitions", json={"action": "submit", "version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "submitted"
    reviewer = api_for(bare, ctx_for, "wsq_reviewer")
    r = reviewer.post(f"{BASE}/{second['id']}/transitions", json={"action": "accept", "version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "accepted"

    # One snapshot per template body, untouched by the upgrade.
    assert db.scalar(select(func.count()).select_from(TemplateSnapshot)
                     .where(TemplateSnapshot.template_id == TEMPLATE)) == 2
    ctx = ctx_for("ent1_officer")
    assert service.checklist_body(ctx, service.get_checklist(ctx, first["id"])) == first["body"]
