"""The house in layers (README, Development): foundation → platform → areas → interfaces →
wiring (manifests) → the app, every import pointing down, none hidden inside a function, no
cycle. Interfaces sit side by side: a JSON API module never imports a page module (views),
so what both need lives in a module of its own (core/audit/web.py, core/files/download.py)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def api_modules():
    for base in ("core", "tenants", "plugins"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if (path.name == "api.py" or path.name.endswith("_api.py")) and path.name != "plugin_api.py":
                yield path


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_api_modules_never_import_views():
    modules = list(api_modules())
    assert len(modules) > 10
    found = {str(p.relative_to(ROOT)): sorted(n for n in imported(p) if n.rsplit(".", 1)[-1].endswith("views"))
             for p in modules}
    assert {p: n for p, n in found.items() if n} == {}


# --- the house in layers -------------------------------------------------------------------
# Each module's layer, from its path: arrows only run downward (or within a layer). A
# manifest (and core/manifests.py) wires interfaces into the app; the app factory, the work
# horse entry and the public plugin module sit on top.
FOUNDATION, PLATFORM, AREA, INTERFACE, WIRING, APP = range(6)
NAMES = ("foundation", "platform", "area", "interface", "wiring", "app")
AREAS = ("filings", "checklists", "campaigns", "ledgers", "scoring")
INTERFACE_NAMES = ("views", "api", "cli", "web", "download", "demo")
TOP = {"core.app", "core.worker", "core.cli", "core.plugin_api", "core.models"}
FOUNDATION_MODULES = {"core.config", "core.db", "core.errors", "core.context", "core.text", "core.schema",
                      "core.i18n", "core.migrate", "tenants.models", "tenants.scoping"}


def modules() -> dict[str, Path]:
    found = {}
    for base in ("core", "tenants"):
        for path in (ROOT / base).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    last = parts[-1]
    if module in TOP:
        return APP
    if last in ("manifest", "manifests"):
        return WIRING
    if (parts[:2] in (["core", "web"], ["core", "api"]) or module == "core.clitools"
            or any(last == n or last.endswith("_" + n) for n in INTERFACE_NAMES)):
        return INTERFACE
    if module in FOUNDATION_MODULES:
        return FOUNDATION
    if len(parts) > 1 and parts[0] == "core" and parts[1] in AREAS:
        return AREA
    return PLATFORM


def imports(path: Path, known: dict[str, Path], module: str) -> list[tuple[str, int, bool]]:
    """(imported module of this tree, line, inside a function) for every import statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    inner = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else resolve(base) for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [resolve(a.name) for a in node.names]
        else:
            continue
        out += [(t, node.lineno, id(node) in inner) for t in targets if t and t != module]
    return out


def graph() -> dict[str, list[tuple[str, int, bool]]]:
    known = modules()
    return {m: imports(p, known, m) for m, p in known.items()}


def test_no_module_imports_the_house_inside_a_function():
    """A function-level import is how a loop hides; with none, the graph below is the whole truth."""
    found = [f"{m}:{line} → {t}" for m, edges in graph().items() for t, line, inner in edges if inner]
    assert found == []


def test_the_import_graph_has_no_cycle():
    edges = {m: {t for t, _, _ in e} for m, e in graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges.get(m, ())):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (cycle := visit(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (cycle := visit(m)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_arrows_run_only_down_the_layers():
    upward = [f"{m} ({NAMES[layer(m)]}) → {t} ({NAMES[layer(t)]})"
              for m, edges in graph().items() for t, _, _ in edges if layer(t) > layer(m)]
    assert upward == []


def test_an_area_never_imports_another_areas_pages_or_api():
    def area(m: str) -> str | None:
        parts = m.split(".")
        return parts[1] if len(parts) > 1 and parts[0] == "core" and parts[1] in AREAS else None
    crossing = [f"{m} → {t}" for m, edges in graph().items() for t, _, _ in edges
                if area(m) and area(t) and area(m) != area(t) and layer(t) >= INTERFACE]
    assert crossing == []


def test_the_layers_are_read_from_real_modules():
    """The rules above cannot pass vacuously: every layer holds modules."""
    seen = {layer(m) for m in modules()}
    assert seen == set(range(6))
