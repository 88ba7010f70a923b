"""A plugin that owns a table (tests/plugins/notes_plugin): its Alembic branch runs with
`anjian db upgrade`, its rows are scoped like the core's, its flask-smorest API is in the
OpenAPI document and answers errors as JSON, and its labels follow ?lang=en."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from core.cli import main as cli
from core.db import Base
from core.plugins import service
from tests.checklists.conftest import login

NOTES = "notes = tests.plugins.notes_plugin"
BASE = "/api/v1/ext/notes"


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    app = make_app(PLUGINS_EXTRA=[NOTES])
    result = app.test_cli_runner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return app


def enable(app, ctx_for, username: str = "wsq_admin") -> None:  # noqa: ANN001
    ctx = ctx_for(username)
    service.set_enabled(ctx, "notes", True)
    ctx.session.commit()


def test_db_upgrade_runs_the_plugins_branch(app):
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        assert "notes_plugin_notes" in inspect(conn).get_table_names()
        heads = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
        only_notes = {"include_object": lambda obj, name, type_, *_: type_ != "table" or name == "notes_plugin_notes"}
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, **only_notes}),
                                Base.metadata)
    engine.dispose()
    assert "notes_0001" in heads and len(heads) == 2        # the core's head and the plugin's
    assert diff == [], f"the plugin's model and its migration differ: {diff}"
    assert app.extensions["anjian.plugins"].get("notes").contributions()["migrations"] == 1


def test_plugin_rows_are_scoped_like_the_cores(app, api, ctx_for):
    enable(app, ctx_for)
    ent1, ent2 = api("ent1_officer"), api("ent2_officer")
    note = ent1.post(BASE, json={"text": "三月检修除尘器"})
    assert note.status_code == 201 and note.json["text"] == "三月检修除尘器"
    assert ent2.get(f"{BASE}/{note.json['id']}").status_code == 404
    assert ent2.get(BASE).json == []
    assert [n["text"] for n in api("wsq_reviewer").get(BASE).json] == ["三月检修除尘器"]   # the bureau above
    assert api("yjhl_reviewer").get(BASE).status_code == 404                               # not enabled there


def test_plugin_api_is_documented_and_answers_json(app, api, ctx_for):
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert {"/api/v1/ext/notes", "/api/v1/ext/notes/{note_id}"} <= set(spec["paths"])
    assert spec["paths"]["/api/v1/ext/notes"]["post"]["summary"] == "新建本企业的备忘。"
    ent1 = api("ent1_officer")
    off = ent1.get(BASE)                                    # not enabled yet: 404, as JSON
    assert off.status_code == 404 and off.json["code"] == "not_found" and off.json["message"]
    enable(app, ctx_for)
    bad = ent1.post(BASE, json={"text": ""})
    assert bad.status_code == 422 and bad.json["code"] == "validation_failed"
    assert bad.json["errors"] == {"text": ["备忘内容为1至200个字"]}
    missing = ent1.get(f"{BASE}/999999")
    assert missing.status_code == 404 and missing.json == {"code": "not_found", "message": "备忘不存在或无权访问",
                                                           "errors": {}}
    anonymous = app.test_client().get(BASE)
    assert anonymous.status_code == 401 and anonymous.json["code"] == "unauthorized"
    refused = api("wsq_reviewer").post(BASE, json={"text": "局里的备忘"})
    assert refused.status_code == 403 and refused.json["message"] == "只有企业用户可以记备忘"


def test_plugin_labels_follow_the_language(app, ctx_for):
    enable(app, ctx_for)
    ent1 = login(app, "ent1_officer")
    assert "企业备忘" in ent1.get("/dashboard").text
    english = ent1.get("/dashboard?lang=en").text
    assert ">Notes<" in english and "企业备忘" not in english
    assert ent1.get("/ext/notes/").text == "Notes"            # the plugin's own pages, same catalogue
    admin = login(app, "city_admin")
    assert "Sample plugin: an enterprise&#39;s own notes" in admin.get("/plugins?lang=en").text
