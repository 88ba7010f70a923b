"""docs/plugins.md is the plugin author's contract: every hook declared in core/hookspecs.py
has its own section there and is exercised by some test, and every template example in it
is valid."""
from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import pytest

from core import hookspecs
from core.errors import ValidationFailed
from core.manifests import template_kinds
from core.plugin_api import validate_template

KINDS = template_kinds()

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins.md"
TESTS = ROOT / "tests"
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)


def declared_hooks() -> list[str]:
    """Functions named anjian_* that carry the hookspec marker."""
    return sorted(n for n in dir(hookspecs)
                  if n.startswith("anjian_") and hasattr(getattr(hookspecs, n), f"{hookspecs.PROJECT}_spec"))


def doc_text() -> str:
    return DOCS.read_text(encoding="utf-8")


def documented_hooks() -> set[str]:
    return set(re.findall(r"^### (anjian_\w+)\s*$", doc_text(), re.M))


def code_blocks(lang: str) -> list[str]:
    return [m["body"] for m in FENCE.finditer(doc_text()) if m["lang"] == lang]


def _dedent(block: str) -> str:
    return textwrap.dedent(block)


def json_templates() -> list[dict]:
    out = []
    for block in code_blocks("json"):
        data = json.loads(block)
        if isinstance(data, dict) and "kind" in data:
            out.append(data)
    return out


def python_templates() -> list[dict]:
    """Dict literals with a "kind" key in the ```python examples."""
    out = []
    for block in code_blocks("python"):
        for node in ast.walk(ast.parse(_dedent(block))):
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "kind" for k in node.keys):
                out.append(ast.literal_eval(node))
    return out


def test_hooks_are_found():
    hooks = declared_hooks()
    assert "anjian_templates" in hooks and "anjian_on_event" in hooks
    assert "hookimpl" not in hooks and all(callable(getattr(hookspecs, h)) for h in hooks)


@pytest.mark.parametrize("hook", declared_hooks())
def test_hook_is_documented(hook: str):
    assert hook in documented_hooks(), f"docs/plugins.md has no '### {hook}' section"


def test_documented_hooks_exist():
    stale = documented_hooks() - set(declared_hooks())
    assert not stale, f"docs/plugins.md documents hooks core/hookspecs.py does not declare: {sorted(stale)}"


def _test_sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in TESTS.rglob("*.py") if p.name != "test_docs.py"}


@pytest.mark.parametrize("hook", declared_hooks())
def test_hook_is_exercised_by_a_test(hook: str):
    pattern = re.compile(rf"\b{hook}\b")
    users = [p.relative_to(ROOT).as_posix() for p, text in _test_sources().items() if pattern.search(text)]
    assert users, f"no file under tests/ (other than test_docs.py) uses {hook}"


def test_every_template_kind_has_a_complete_example():
    kinds = {t["kind"] for t in json_templates()}
    assert kinds == set(KINDS), f"missing ```json examples for {sorted(set(KINDS) - kinds)}"


@pytest.mark.parametrize("template", json_templates() + python_templates(), ids=lambda t: f"{t['kind']}:{t.get('id')}")
def test_template_example_is_valid(template: dict):
    try:
        validate_template(template)
    except ValidationFailed as e:
        pytest.fail(f"example {template.get('id')} in docs/plugins.md is invalid: {e.errors}")


def test_campaign_example_points_at_a_documented_checklist():
    checklists = {t["id"] for t in json_templates() if t["kind"] == "checklist"}
    used = {task["checklist"] for t in json_templates() if t["kind"] == "campaign"
            for phase in t["phases"] for task in phase.get("tasks", []) if task.get("checklist")}
    assert used and used <= checklists


def test_python_examples_compile():
    blocks = code_blocks("python")
    assert len(blocks) >= len(declared_hooks())
    for block in blocks:
        compile(_dedent(block), "docs/plugins.md", "exec")


def test_toml_examples_parse_and_declare_the_entry_point_group():
    import tomllib
    blocks = code_blocks("toml")
    assert blocks
    for block in blocks:
        data = tomllib.loads(_dedent(block))
        assert "anjian" in data["project"]["entry-points"]


def documented_events() -> set[str]:
    """Names in the first column of the table under "Event names and payloads"."""
    section = doc_text().split("**Event names and payloads:**", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", section, re.M))


def emitted_events() -> set[str]:
    """Names passed as literals to emit(...) anywhere in the application's code."""
    call = re.compile(r"\bemit\(\s*\w+,\s*\"([a-z_]+\.[a-z_]+)\"")
    return {name for folder in ("core", "tenants", "plugins") for path in (ROOT / folder).rglob("*.py")
            for name in call.findall(path.read_text(encoding="utf-8"))}


def test_documented_events_are_the_emitted_ones():
    from core.manifests import CORE
    declared = {e for m in CORE for e in m.events}
    assert documented_events() == declared, "docs/plugins.md and the manifests list different events"
    assert emitted_events() == declared, "an event is declared but never emitted, or emitted undeclared"
