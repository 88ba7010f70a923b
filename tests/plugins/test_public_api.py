"""Plugins use core.plugin_api and nothing else from the core: the built-in plugins, the
code `anjian plugins new` generates and the examples of docs/plugins.md."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import plugin_api
from core.plugins.scaffold import scaffold
from tests.plugins.test_docs import code_blocks, doc_text

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = ("core", "tenants", "migrations")      # the application's own packages


def private_imports(source: str) -> list[str]:
    """Modules of the application imported by `source`, other than core.plugin_api."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        if isinstance(node, ast.ImportFrom) and node.module == "core":
            names = [f"core.{a.name}" for a in node.names]
        found += [n for n in names if n.split(".")[0] in PRIVATE and n != "core.plugin_api"]
    return found


def test_the_check_notices_a_private_import():
    assert private_imports("from core.hookspecs import hookimpl\nimport tenants.models\nfrom core import db") == [
        "core.hookspecs", "tenants.models", "core.db"]
    assert private_imports("from core.plugin_api import hookimpl\nfrom core import plugin_api") == []


@pytest.mark.parametrize("path", sorted((ROOT / "plugins").rglob("*.py")), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_builtin_plugins_import_only_the_public_module(path: Path):
    assert private_imports(path.read_text(encoding="utf-8")) == []


def test_scaffolded_code_imports_only_the_public_module(tmp_path: Path):
    target = scaffold("dust_explosion", tmp_path)
    sources = sorted(target.rglob("*.py"))
    assert len(sources) >= 2
    for path in sources:
        assert private_imports(path.read_text(encoding="utf-8")) == [], path.relative_to(target)


def test_docs_examples_import_only_the_public_module():
    for block in code_blocks("python"):
        assert private_imports(block) == [], block[:200]


def test_docs_name_no_other_core_module():
    named = set(re.findall(r"\bcore\.[a-z_]+(?:\.[a-z_]+)*", doc_text()))
    assert named == {"core.plugin_api"}, sorted(named - {"core.plugin_api"})


def test_every_documented_name_is_exported():
    documented = set(re.findall(r"`plugin_api\.(\w+)", doc_text()))
    assert documented and documented <= set(plugin_api.__all__)
    assert all(hasattr(plugin_api, n) for n in plugin_api.__all__)


def test_the_testing_helpers_work_as_the_docs_show(tmp_path: Path, monkeypatch):
    from sqlalchemy import inspect
    monkeypatch.setenv("ANJIAN_INSTANCE_PATH", str(tmp_path / "instance"))
    record = plugin_api.load_plugin("notes = tests.plugins.notes_plugin")
    assert record.loaded and record.menu_items[0].endpoint == "notes_pages.index"
    app = plugin_api.demo_app(tmp_path, ("notes = tests.plugins.notes_plugin",
                                         "checklists = tests.plugins.sample_plugins:checklists"))
    engine = app.extensions["anjian.db"].engine
    assert "notes_plugin_notes" in inspect(engine).get_table_names()       # the plugin's branch ran
    plugin_api.enable_plugin(app, "checklists", "150626")
    with plugin_api.user_ctx(app, "ent1_officer") as officer:
        assert "checklists.site_check" in {t["id"] for t in plugin_api.offered_templates(officer)}
        me = plugin_api.get_tenant(officer, officer.actor.tenant_id)
        assert me.kind == "enterprise" and me.uscc == "91150626MA0N1H2K6K"
    with plugin_api.user_ctx(app, "yjhl_admin") as outsider:
        assert "checklists.site_check" not in {t["id"] for t in plugin_api.offered_templates(outsider)}
        with pytest.raises(plugin_api.NotFound):
            plugin_api.get_tenant(outsider, me.id)                          # another county's enterprise
    app.extensions["anjian.db"].dispose()
