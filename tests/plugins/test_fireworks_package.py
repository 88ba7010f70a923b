"""The sample third-party campaign plugin in tests/plugins/fireworks_campaign/, a package
written the way an outside vendor would (docs/plugins.md and core.plugin_api only): its
templates validate (the shipped 1.0.0 and the 1.1.0 of the upgrade), Anjian loads it through
the same path as an installed entry point, and it imports nothing else of Anjian."""
from __future__ import annotations

import ast
import importlib
import json
import sys
import tomllib
from pathlib import Path

import pytest

from core.plugin_api import HOOKS, ValidationFailed, load_plugin, validate_templates

PKG = Path(__file__).resolve().parent / "fireworks_campaign"
MODULE = "anjian_fireworks_campaign"
NAME = "fireworks_campaign"
TEMPLATE_ID = "fireworks_campaign.fireworks_season"
SHIPPED = PKG / MODULE / "templates" / "fireworks_season.json"
UPGRADE = PKG / "upgrade" / "fireworks_season.json"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def plugin(monkeypatch):  # noqa: ANN001, ANN201
    """The package importable from its source directory, as during development; forgotten
    again afterwards so no other test sees it."""
    monkeypatch.syspath_prepend(str(PKG))
    sys.modules.pop(MODULE, None)
    yield importlib.import_module(MODULE)
    sys.modules.pop(MODULE, None)


def _valid(bodies: list[dict]) -> list[dict]:
    try:
        return validate_templates(bodies, NAME)
    except ValidationFailed as e:
        pytest.fail(f"invalid templates: {e.errors}")


# --- (a) the templates -------------------------------------------------------------------

@pytest.mark.parametrize("path,version", [(SHIPPED, "1.0.0"), (UPGRADE, "1.1.0")], ids=["shipped", "upgrade"])
def test_template_validates(path: Path, version: str):
    [body] = _valid([_json(path)])
    assert (body["kind"], body["id"], body["version"]) == ("campaign", TEMPLATE_ID, version)
    assert body["title"] == "烟花爆竹安全专项检查"
    assert body["industries"] == ["fireworks", "fireworks_wholesale", "fireworks_retail"]
    assert [p["id"] for p in body["phases"]] == ["deploy", "self_check", "inspect"]
    tasks = {t["id"]: t for p in body["phases"] for t in p["tasks"]}
    fields = {f["type"] for t in tasks.values() for f in t["fields"]}
    assert {"checklist", "files", "problems"} <= fields
    [checks] = [f for f in tasks["self_check_items"]["fields"] if f["type"] == "checklist"]
    assert tasks["self_check_items"]["assignee"] == "enterprise" and checks["findings"] is True
    assert tasks["inspection"]["assignee"] == "section" and tasks["inspection"]["review"] is False
    assert any(f["type"] == "files" for f in tasks["rectify_report"]["fields"])


def test_both_versions_validate_together_as_one_plugin_would_return_them():
    bodies = _valid([_json(SHIPPED), _json(UPGRADE)])
    assert [(b["id"], b["version"]) for b in bodies] == [(TEMPLATE_ID, "1.0.0"), (TEMPLATE_ID, "1.1.0")]


def test_the_upgrade_adds_one_checklist_item_and_renames_one_task():
    old, new = _valid([_json(SHIPPED)])[0], _valid([_json(UPGRADE)])[0]

    def tasks(body: dict) -> dict[str, dict]:
        return {t["id"]: t for p in body["phases"] for t in p["tasks"]}

    def items(body: dict) -> list[str]:
        return next(f["items"] for f in tasks(body)["self_check_items"]["fields"] if f["type"] == "checklist")

    assert len(items(old)) == 6
    assert items(new)[:6] == items(old) and len(items(new)) == 7      # appended: positions stay
    assert tasks(old).keys() == tasks(new).keys()
    retitled = {k for k in tasks(old) if tasks(old)[k]["title"] != tasks(new)[k]["title"]}
    assert retitled == {"rectify_report"}


# --- (b) loading it as Anjian does -------------------------------------------------------

def test_anjian_loads_the_package_from_its_directory(plugin):  # noqa: ANN001
    record = load_plugin(f"{NAME} = {MODULE}")
    assert record.loaded, record.error
    assert record.title == "烟花爆竹安全专项检查" and record.description
    assert record.hooks == ["anjian_plugin_info", "anjian_templates"]
    [template] = record.templates
    assert (template["kind"], template["id"], template["version"]) == ("campaign", TEMPLATE_ID, "1.0.0")
    # The version comes from the shipped JSON, not from the code.
    assert plugin.anjian_templates() == [_json(SHIPPED)]


def test_hooks_are_marked_and_known(plugin):  # noqa: ANN001
    marked = {n for n in dir(plugin) if hasattr(getattr(plugin, n), "anjian_impl")}
    assert marked == {"anjian_plugin_info", "anjian_templates"} and marked <= set(HOOKS)


def test_pyproject_declares_the_entry_point_and_ships_only_the_current_template():
    pyproject = tomllib.loads((PKG / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    project = pyproject["project"]
    assert (project["name"], project["version"], project["dependencies"]) == ("anjian-fireworks-campaign", "1.0.0", [])
    assert project["entry-points"] == {"anjian": {NAME: MODULE}}
    setuptools = pyproject["tool"]["setuptools"]
    assert setuptools["packages"] == [MODULE, f"{MODULE}.templates"]    # the data folder too: no setuptools warning
    assert setuptools["package-data"] == {MODULE: ["templates/*.json"]}
    assert [p.name for p in (PKG / MODULE / "templates").iterdir()] == ["fireworks_season.json"]
    assert not (PKG / MODULE / "upgrade").exists()


# --- (c) the public module only ----------------------------------------------------------

def imports_outside_the_contract(source: str) -> list[str]:
    """Modules `source` imports other than core.plugin_api and the standard library."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:                                   # the package's own modules
                continue
            names = [f"{node.module}.{a.name}" if node.module == "core" else node.module for a in node.names]
        else:
            continue
        found += [n for n in names if n != "core.plugin_api" and n.split(".")[0] not in sys.stdlib_module_names]
    return found


def test_the_check_notices_other_imports():
    assert imports_outside_the_contract(
        "import json\nfrom importlib.resources import files\nfrom core.plugin_api import hookimpl\n"
        "from core import plugin_api\nfrom . import helpers\n") == []
    assert imports_outside_the_contract(
        "from core.hookspecs import hookimpl\nfrom core import db\nimport tenants.models\nimport flask\n") == [
        "core.hookspecs", "core.db", "tenants.models", "flask"]


def test_the_package_imports_only_the_public_module_and_the_standard_library():
    sources = sorted((PKG / MODULE).rglob("*.py"))
    assert sources
    for path in sources:
        assert imports_outside_the_contract(path.read_text(encoding="utf-8")) == [], path.relative_to(PKG)
